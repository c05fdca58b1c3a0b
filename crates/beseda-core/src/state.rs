//! States and kinds, with their wire spellings.

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the spelling; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {}: {text}", stringify!($name)))
                })
            }
        }
    };
}

wire_enum!(
    /// Chat states (Webim's vocabulary). `OfflineQueue` is operator-side only: visitors see it
    /// as `queue` with `offline: true`.
    ChatState {
        Queue => "queue",
        OfflineQueue => "offline_queue",
        Chatting => "chatting",
        ChattingWithRobot => "chatting_with_robot",
        Invitation => "invitation",
        ClosedByVisitor => "closed_by_visitor",
        ClosedByOperator => "closed_by_operator",
        Closed => "closed",
    }
);

impl ChatState {
    /// What a visitor-protocol client is told.
    pub fn visitor_wire(self) -> &'static str {
        match self {
            ChatState::OfflineQueue => "queue",
            other => other.as_str(),
        }
    }

    /// Waiting for an operator.
    pub fn is_waiting(self) -> bool {
        matches!(self, ChatState::Queue | ChatState::OfflineQueue)
    }

    /// Closed by one side, not yet final.
    pub fn is_half_closed(self) -> bool {
        matches!(self, ChatState::ClosedByVisitor | ChatState::ClosedByOperator)
    }

    /// Finally closed: can never be reopened.
    pub fn is_final(self) -> bool {
        self == ChatState::Closed
    }

    /// Being answered by a human or a bot.
    pub fn is_active(self) -> bool {
        matches!(self, ChatState::Chatting | ChatState::ChattingWithRobot)
    }
}

wire_enum!(
    /// Message kinds (Webim's vocabulary).
    MessageKind {
        Visitor => "visitor",
        Operator => "operator",
        Info => "info",
        OperatorBusy => "operator_busy",
        Keyboard => "keyboard",
        KeyboardResponse => "keyboard_response",
        FileVisitor => "file_visitor",
        FileOperator => "file_operator",
        StickerVisitor => "sticker_visitor",
        ContReq => "cont_req",
        Contacts => "contacts",
        ActionRequest => "action_request",
        ForOperator => "for_operator",
    }
);

impl MessageKind {
    /// Written by the visitor.
    pub fn is_visitor_side(self) -> bool {
        matches!(
            self,
            MessageKind::Visitor
                | MessageKind::KeyboardResponse
                | MessageKind::FileVisitor
                | MessageKind::StickerVisitor
                | MessageKind::Contacts
        )
    }

    /// Written by an operator or a bot (counts as unread for the visitor).
    pub fn is_operator_side(self) -> bool {
        matches!(
            self,
            MessageKind::Operator
                | MessageKind::FileOperator
                | MessageKind::Keyboard
                | MessageKind::ContReq
                | MessageKind::ActionRequest
        )
    }

    /// Written by a person on either side: what chat lists preview and count. Auto-messages
    /// (busy, greeting, system notices, notes for operators) never are.
    pub fn is_conversation(self) -> bool {
        self.is_visitor_side() || self.is_operator_side()
    }

    /// Shown to the visitor at all.
    pub fn visible_to_visitor(self) -> bool {
        self != MessageKind::ForOperator
    }
}

wire_enum!(
    /// What an operator account may do.
    OperatorRole {
        Admin => "admin",
        Supervisor => "supervisor",
        Operator => "operator",
    }
);

wire_enum!(
    /// Operator presence.
    OperatorStatus {
        Online => "online",
        Invisible => "invisible",
        Offline => "offline",
    }
);

wire_enum!(
    /// Visit-session states sent to SDK clients.
    VisitSessionState {
        Idle => "idle",
        Chat => "chat",
        DepartmentSelection => "department-selection",
        FirstQuestion => "first-question",
        OfflineMessage => "offline-message",
        IdleAfterChat => "idle-after-chat",
        End => "end",
    }
);

wire_enum!(
    /// Online status of a placement or department.
    OnlineStatus {
        Online => "online",
        BusyOnline => "busy_online",
        Offline => "offline",
        BusyOffline => "busy_offline",
    }
);

impl OnlineStatus {
    /// Someone who can take a chat is online (visitor-api.md `onlineOperators`): `online`, or
    /// `busy_online` — operators are online, only the online queue is over its limit.
    pub fn operators_online(self) -> bool {
        matches!(self, OnlineStatus::Online | OnlineStatus::BusyOnline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in ChatState::ALL {
            assert_eq!(ChatState::parse(s.as_str()), Some(*s));
        }
        for k in MessageKind::ALL {
            assert_eq!(MessageKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(ChatState::OfflineQueue.visitor_wire(), "queue");
        assert_eq!(ChatState::parse("routing"), None);
    }
}
