//! Domain errors: each carries the machine-readable code clients see.

/// A rule of the domain said no. `code()` is the wire code (Webim's where one exists).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("message is empty")]
    MessageEmpty,
    #[error("message is longer than {0} characters")]
    MessageTooLong(usize),
    #[error("no such message")]
    MessageNotFound,
    #[error("the message belongs to someone else")]
    MessageNotOwned,
    #[error("not allowed")]
    NotAllowed,
    #[error("this kind of message cannot be changed")]
    WrongMessageKind,
    #[error("no chat")]
    NoChat,
    #[error("a chat is required")]
    ChatRequired,
    #[error("rating is disabled")]
    RateDisabled,
    #[error("rating must be an integer from -2 to 2")]
    RateValueIncorrect,
    #[error("no such operator")]
    WrongOperatorId,
    #[error("the operator did not take part in the chat")]
    OperatorNotInChat,
    #[error("the note is too long")]
    NoteTooLong,
    #[error("button-id is missing")]
    ButtonIdNotSet,
    #[error("request-message-id is missing")]
    RequestMessageIdNotSet,
    #[error("the keyboard cannot take a response")]
    CannotCreateResponse,
    #[error("the chat history was sent too many times")]
    ChatHistorySentTooManyTimes,
    #[error("the e-mail was changed too many times today")]
    EmailChangedTooManyTimes,
    #[error("missing argument {0}")]
    ArgumentMissing(&'static str),
    #[error("bad value for {0}")]
    WrongArgumentValue(&'static str),
    #[error("the chat is already taken by another operator")]
    ChatTaken,
    #[error("the chat is closed")]
    ChatClosed,
    #[error("no such chat")]
    ChatNotFound,
    #[error("the setting is disabled")]
    SettingDisabled,
    #[error("the visitor is banned")]
    VisitorBanned,
    #[error("no such file")]
    FileNotFound,
    #[error("the uploaded file was not found")]
    UploadedFileNotFound,
    #[error("the file has already been sent")]
    FileHasBeenSent,
    #[error("a sticker id is required")]
    NoStickerId,
    #[error("coordinates are out of range")]
    InvalidCoordinates,
    #[error("surveys are disabled")]
    SurveyDisabled,
    #[error("the visitor has no survey running")]
    NoCurrentSurvey,
    #[error("the survey id is not the running survey's")]
    IncorrectSurveyId,
    #[error("a stars answer is a mark from 1 to 5")]
    IncorrectStarsValue,
    #[error("a radio answer is an option's number, from 1")]
    IncorrectRadioValue,
    #[error("the comment is too long")]
    MaxCommentLengthExceeded,
    #[error("the survey has no such question")]
    QuestionNotFound,
    #[error("a resolution answer is 0 or 1")]
    ResolutionSurveyValueIncorrect,
    #[error("the quoted message was not found")]
    QuotedMessageNotFound,
    #[error("the quoted message id is malformed")]
    CorruptedQuotedMessageId,
    #[error("the quoted message cannot be replied to")]
    QuotingMessageThatCannotBeReplied,
    #[error("the quote is missing its arguments")]
    RequiredQuoteArgsMissing,
    #[error("the operator is offline")]
    OperatorOffline,
    #[error("the operator does not speak the chat's language")]
    OperatorLanguageNotSpoken,
    #[error("nobody in the department can take the chat now")]
    DepartmentOffline,
    #[error("no operator online speaks that language")]
    LanguageNotSpokenOnline,
    #[error("the chat's language changes only in multilingual mode")]
    MultilangOff,
    #[error("choose a category before closing the chat")]
    CategoryRequired,
    #[error("no such category")]
    WrongCategory,
    #[error("hidden by the organisation's settings")]
    HiddenBySettings,
    #[error("the chat is of a department or language you do not serve")]
    ChatNotServed,
    #[error("the chat already has the most files allowed")]
    MaxFilesCountPerChatExceeded,
    #[error("the quoted message belongs to another visitor")]
    QuotingMessageFromAnotherVisitor,
    #[error("chat is not assigned to this bot")]
    NotHeldByBot,
    #[error("no such visit session")]
    SessionNotFound,
    #[error("the visitor is not on the site now")]
    VisitorNotOnSite,
    #[error("the visitor already has a chat")]
    VisitorHasChat,
    #[error("no such visitor")]
    VisitorNotFound,
    #[error("the visitor is not on a page of a site (an app or a messenger)")]
    TeleportNoPage,
    #[error("only pages of the visitor's own site can be reached")]
    TeleportOtherSite,
    #[error("no page has this code")]
    TeleportPageNotFound,
}

impl DomainError {
    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            MessageEmpty => "message_empty",
            MessageTooLong(_) => "max-message-length-exceeded",
            MessageNotFound => "message_not_found",
            MessageNotOwned => "message_not_owned",
            NotAllowed => "not_allowed",
            WrongMessageKind => "wrong_message_kind",
            NoChat => "no-chat",
            ChatRequired => "chat-required",
            RateDisabled => "rate-disabled",
            RateValueIncorrect => "rate-value-incorrect",
            WrongOperatorId => "wrong-operator-id",
            OperatorNotInChat => "operator-not-in-chat",
            NoteTooLong => "note-is-too-long",
            ButtonIdNotSet => "button-id-not-set",
            RequestMessageIdNotSet => "request-message-id-not-set",
            CannotCreateResponse => "cannot-create-response",
            ChatHistorySentTooManyTimes => "chat-history-sent-too-many-times",
            EmailChangedTooManyTimes => "email-changed-too-many-times",
            ArgumentMissing(_) => "argument-missing",
            WrongArgumentValue(_) => "wrong-argument-value",
            ChatTaken => "chat-taken",
            ChatClosed => "chat-closed",
            ChatNotFound => "chat-not-found",
            SettingDisabled => "setting_disabled",
            VisitorBanned => "visitor_banned",
            FileNotFound => "file-not-found",
            UploadedFileNotFound => "uploaded-file-not-found",
            FileHasBeenSent => "file-has-been-sent",
            NoStickerId => "no-sticker-id",
            InvalidCoordinates => "invalid-coordinates-received",
            SurveyDisabled => "survey_disabled",
            NoCurrentSurvey => "no-current-survey",
            IncorrectSurveyId => "incorrect-survey-id",
            IncorrectStarsValue => "incorrect-stars-value",
            IncorrectRadioValue => "incorrect-radio-value",
            MaxCommentLengthExceeded => "max-comment-length-exceeded",
            QuestionNotFound => "question-not-found",
            ResolutionSurveyValueIncorrect => "resolution-survey-value-incorrect",
            QuotedMessageNotFound => "quoted-message-not-found",
            CorruptedQuotedMessageId => "corrupted-quoted-message-id",
            QuotingMessageThatCannotBeReplied => "quoting-message-that-cannot-be-replied",
            RequiredQuoteArgsMissing => "required-quote-args-missing",
            OperatorOffline => "operator-offline",
            OperatorLanguageNotSpoken => "operator-language-not-spoken",
            DepartmentOffline => "department-offline",
            LanguageNotSpokenOnline => "language-not-spoken-online",
            MultilangOff => "multilang-off",
            CategoryRequired => "category-required",
            WrongCategory => "wrong-category",
            HiddenBySettings => "hidden-by-settings",
            ChatNotServed => "chat-not-served",
            MaxFilesCountPerChatExceeded => "max_files_count_per_chat_exceeded",
            QuotingMessageFromAnotherVisitor => "quoting-message-from-another-visitor",
            NotHeldByBot => "access-denied",
            SessionNotFound => "session-not-found",
            VisitorNotOnSite => "visitor-not-on-site",
            VisitorHasChat => "visitor-has-chat",
            VisitorNotFound => "visitor-not-found",
            TeleportNoPage => "teleport-no-page",
            TeleportOtherSite => "teleport-other-site",
            TeleportPageNotFound => "teleport-page-not-found",
        }
    }

    /// Quote problems travel inside a successful envelope (`{"result":"ok","data":{"error":…}}`).
    pub fn is_quote_error(&self) -> bool {
        matches!(
            self,
            DomainError::QuotedMessageNotFound
                | DomainError::CorruptedQuotedMessageId
                | DomainError::QuotingMessageThatCannotBeReplied
                | DomainError::RequiredQuoteArgsMissing
                | DomainError::QuotingMessageFromAnotherVisitor
        )
    }
}
