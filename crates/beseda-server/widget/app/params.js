/* The window's parameters from its address (placement, device, page, identification) and ids. */


export var P = new URLSearchParams(location.search);
export var LOC = P.get('location') || 'default';
export var DEVICE = P.get('device') || hex(crypto.getRandomValues(new Uint8Array(16)));
export var HOST_URL = P.get('url') || '';
export var TITLE = P.get('title') || HOST_URL || 'chat';
export var IDENT = {};
try { IDENT = JSON.parse(P.get('ident') || '{}') || {}; } catch (e) {}
export function hex(bytes) {
  return Array.prototype.map.call(new Uint8Array(bytes), function (b) { return (b + 256).toString(16).slice(1); }).join('');
}
export function id() { return hex(crypto.getRandomValues(new Uint8Array(16))); }
