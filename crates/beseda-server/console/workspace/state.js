/* The workspace's state: what is loaded (S) and the page's parts (ui), shared by its modules. */


export var STATE_TEXT = { queue: 'stateQueue', offline_queue: 'stateQueue', chatting: 'stateChatting', closed: 'stateClosed',
  closed_by_operator: 'stateClosed', closed_by_visitor: 'stateClosedByVisitor', chatting_with_robot: 'stateRobot', invitation: 'stateInvitation' };
export var VISITOR_SIDE = /^(visitor|file_visitor|keyboard_response|contacts|sticker_visitor)$/;
export var SYSTEM = /^(info|operator_busy|for_operator|keyboard)$/;
export var S = {
  me: null, ws: {}, lists: { waiting: [], mine: [], others: [] }, open: null, detail: null, templates: [],
  directory: { operators: [], departments: [] }, cursor: null, typingSent: 0, alerts: 0, blink: null, known: {},
  sound: localStorage.getItem('beseda.sound') !== 'off'
};
export var ui = {};
