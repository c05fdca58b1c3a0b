/* The admin panel's sections in menu order: id (nav-<id>, section-<id>, texts
   sec.<id>/intro.<id>), menu group, who sees it (supervisor: true) and render(box, ctx). */
import { auditSection } from './audit.js';
import { blocksSection } from './blocks.js';
import { botsSection } from './bots.js';
import { departmentsSection } from './departments.js';
import { historySection } from './history.js';
import { crmCheck, handlerCalls, messengers, unisenderExport } from './integration.js';
import { operatorsSection } from './operators.js';
import { placementsSection } from './placements.js';
import { settingsSection } from './settings.js';
import { statsSection } from './stats.js';
import { surveyResultsSection } from './survey_results.js';
import { surveysSection } from './surveys.js';
import { templatesBlock } from './templates.js';
import { languageOptions } from '../lib/languages.js';
import { clear } from '../../common/dom.js';

/* The presences of a contact-form field. */
var PRESENCES = [['optional', 'presence.optional'], ['mandatory', 'presence.mandatory'], ['hidden', 'presence.hidden']];

export var SECTIONS = [
  { id: 'company', nav: 'settings', render: settingsSection([
    { key: 'name', required: true },
    { key: 'logo', type: 'image', types: ['image/png', 'image/jpeg', 'image/gif'] },
    { key: 'time_zone', type: 'zone', required: true },
    { key: 'site_url', type: 'url' },
    { key: 'default_lang', type: 'select', options: languageOptions },
    { key: 'daily_report_time', type: 'time', required: true }
  ]) },
  { id: 'emails', nav: 'settings', render: settingsSection([
    { key: 'email_left_messages', type: 'email', required: true },
    { key: 'email_negative_feedback', type: 'email', required: true },
    { key: 'email_daily_reports', type: 'email', required: true }
  ]) },
  { id: 'classification', nav: 'settings', render: settingsSection([
    { key: 'categories', type: 'lines', indent: true, rows: 8 },
    { key: 'category_required', type: 'bool' }
  ]) },
  { id: 'templates', nav: 'settings', render: function (box) { clear(box); box.appendChild(templatesBlock(null)); } },
  { id: 'automessages', nav: 'settings', render: settingsSection([
    { key: 'greeting_message', type: 'textarea' },
    { key: 'first_answer_timeout_secs', type: 'number', required: true },
    { key: 'operator_response_timeout_secs', type: 'number', required: true },
    { key: 'busy_message', type: 'textarea', required: true },
    { key: 'refusal_timeout_secs', type: 'number', required: true },
    { key: 'auto_close_timeout_secs', type: 'number', required: true },
    { key: 'closed_by_operator_timeout_secs', type: 'number', required: true },
    { key: 'operator_closes_finally', type: 'bool' },
    { key: 'reassign_timeout_secs', type: 'number', required: true }
  ]) },
  { id: 'leads', nav: 'settings', render: settingsSection([
    { key: 'lead_photo', type: 'image', types: ['image/png', 'image/jpeg'] },
    { key: 'auto_invitation_text', type: 'textarea' },
    { key: 'auto_invitation_delay_secs', type: 'number', max: 3600, required: true }
  ]) },
  { id: 'extra', nav: 'settings', render: settingsSection([
    { group: 'g.operators' },
    { key: 'hide_others_chats', type: 'bool' },
    { key: 'hidden_profiles', type: 'bool' },
    { key: 'new_visitor_notification', type: 'bool' },
    { key: 'operator_typing_preview', type: 'bool' },
    { key: 'teleport', type: 'bool' },
    { key: 'teleport_pages', type: 'lines', rows: 4 },
    { group: 'g.routing' },
    { key: 'multilang', type: 'bool' },
    { key: 'auto_assignment', type: 'bool' },
    { key: 'max_chats_per_operator', type: 'number', min: 1, max: 100, required: true },
    { key: 'priority_pages', type: 'lines', rows: 3 },
    { group: 'g.window' },
    { key: 'chat_start_after_message', type: 'bool' },
    { key: 'department_choice_obligatory', type: 'bool' },
    { key: 'first_question_obligatory', type: 'bool' },
    { key: 'rate_operator', type: 'bool' },
    { key: 'send_chat_history', type: 'bool' },
    { key: 'contacts_request_name', type: 'select', options: PRESENCES },
    { key: 'contacts_request_email', type: 'select', options: PRESENCES },
    { key: 'contacts_request_phone', type: 'select', options: PRESENCES },
    { key: 'surveys', type: 'bool' },
    { key: 'visitor_upload_file', type: 'bool' },
    { key: 'max_visitor_upload_file_size', type: 'number', min: 1, max: 50, required: true },
    { key: 'allowed_upload_file_types', type: 'list' },
    { key: 'max_message_length', type: 'number', min: 1, max: 10000, required: true },
    { key: 'visitor_message_editing', type: 'bool' },
    { key: 'visitor_message_deleting', type: 'bool' },
    { key: 'web_and_mobile_quoting', type: 'bool' }
  ]) },
  { id: 'integration', nav: 'settings', render: settingsSection([
    { group: 'g.general' },
    { key: 'provided_visitor_private_key', type: 'secret' },
    { key: 'provided_visitor_hash_algorithm', type: 'select',
      options: [['hmac-sha256', 'HMAC-SHA256'], ['sha256', 'SHA-256'], ['sha-512', 'SHA-512'], ['md5', 'MD5']] },
    { key: 'crm_link_template', placeholder: 'https://crm.mydomain.com/?id={id}' },
    { group: 'g.handlers' },
    { key: 'chat_started_handler_url', type: 'url' },
    { key: 'chat_assigned_handler_url', type: 'url' },
    { key: 'chat_closed_handler_url', type: 'url' },
    { key: 'chat_events_handler_url', type: 'url' },
    { key: 'chat_handlers_signing_secret', type: 'secret' },
    { group: 'g.zendesk' },
    { key: 'zendesk_subdomain' },
    { key: 'zendesk_login', type: 'email' },
    { key: 'zendesk_api_token', type: 'secret', hidden: true },
    { key: 'zendesk_oauth_token', type: 'secret', hidden: true, below: crmCheck('zendesk') },
    { group: 'g.amocrm' },
    { key: 'amocrm_account' },
    { key: 'amocrm_long_lived_token', type: 'secret', hidden: true },
    { key: 'amocrm_client_id' },
    { key: 'amocrm_client_secret', type: 'secret', hidden: true },
    { key: 'amocrm_redirect_uri', type: 'url' },
    { key: 'amocrm_auth_code', type: 'secret', hidden: true, below: crmCheck('amocrm') },
    { group: 'g.zoho' },
    { key: 'zoho_data_center', type: 'select', options: [['com', 'zoho.com (US)'], ['eu', 'zoho.eu (EU)'], ['in', 'zoho.in (IN)'],
      ['com.au', 'zoho.com.au (AU)'], ['jp', 'zoho.jp (JP)'], ['ca', 'zohocloud.ca (CA)'], ['sa', 'zoho.sa (SA)'], ['com.cn', 'zoho.com.cn (CN)']] },
    { key: 'zoho_client_id' },
    { key: 'zoho_client_secret', type: 'secret', hidden: true },
    { key: 'zoho_refresh_token', type: 'secret', hidden: true },
    { key: 'zoho_lead_source', below: crmCheck('zoho') },
    { group: 'g.unisender' },
    { key: 'unisender_api_key', type: 'secret' },
    { key: 'unisender_list_name', below: unisenderExport }
  ], function (box) { box.appendChild(messengers()); box.appendChild(handlerCalls()); }) },
  { id: 'security', nav: 'settings', render: settingsSection([
    { key: 'ip_allowlist', placeholder: '54.37.12.118, 192.168.0.1-192.168.0.50' },
    { key: 'require_2fa', type: 'bool' }
  ]) },
  { id: 'misc', nav: 'settings', render: settingsSection([
    { key: 'button_probability', type: 'number', max: 100, required: true },
    { key: 'online_queue_limit', type: 'optnumber' },
    { key: 'offline_queue_limit', type: 'optnumber' }
  ]) },
  { id: 'operators', nav: 'org', supervisor: true, render: operatorsSection },
  { id: 'departments', nav: 'org', render: departmentsSection },
  { id: 'bots', nav: 'org', render: botsSection },
  { id: 'placements', nav: 'org', render: placementsSection },
  { id: 'surveys', nav: 'org', render: surveysSection },
  { id: 'stats', nav: 'reports', supervisor: true, render: statsSection },
  { id: 'history', nav: 'reports', supervisor: true, render: historySection },
  { id: 'surveyResults', nav: 'reports', supervisor: true, render: surveyResultsSection },
  { id: 'audit', nav: 'reports', render: auditSection },
  { id: 'blocks', nav: 'reports', render: blocksSection }
];
