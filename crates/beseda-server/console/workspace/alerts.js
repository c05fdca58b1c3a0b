/* Alerts of new chats, messages, redirects and visitors: desktop notification, sound, blinking
   title; and the title's count of what awaits the operator («(3) Beseda»). */
import { S } from './state.js';

export function askNotifications() {
  if (window.Notification && Notification.permission === 'default') Notification.requestPermission();
}
/* `kind` 'redirect' (a chat moved to this operator) sounds and counts apart from the others. */
export function notify(title, body, kind) {
  S.alerts += 1;
  document.body.setAttribute('data-alerts', String(S.alerts));
  if (kind === 'redirect') {
    var n = Number(document.body.getAttribute('data-redirect-alerts') || 0) + 1;
    document.body.setAttribute('data-redirect-alerts', String(n));
  }
  if (window.Notification && Notification.permission === 'granted') {
    try { new Notification('Beseda: ' + title, { body: String(body || ''), tag: 'beseda-' + S.alerts }); } catch (x) { /* no notifications here */ }
  }
  if (S.sound) beep(kind === 'redirect' ? [660, 990] : [880]);
  startBlink(title);
}
/** @param {number[]} [tones] */
export function beep(tones) {
  try {
    var Ctx = window.AudioContext || /** @type {any} */ (window).webkitAudioContext, ctx = new Ctx();
    (tones || [880]).forEach(function (hz, i) {
      var osc = ctx.createOscillator(), gain = ctx.createGain(), at = ctx.currentTime + i * 0.2;
      osc.frequency.value = hz; gain.gain.value = 0.08; osc.connect(gain); gain.connect(ctx.destination);
      osc.start(at); osc.stop(at + 0.18);
      if (i === (tones || [880]).length - 1) osc.onended = function () { ctx.close(); };
    });
  } catch (x) { /* no audio here */ }
}
var count = 0, base = '';
/* The page's title without a count. */
function plain() {
  if (!base) base = document.title.replace(/^\(\d+\) /, '');
  return (count ? '(' + count + ') ' : '') + base;
}
/** Sets the title's count (0: none). @param {number} n */
export function titleCount(n) {
  if (n === count && base) return;
  count = n;
  document.body.setAttribute('data-title-count', String(n));
  if (!S.blink) document.title = plain();
}
export function startBlink(title) {
  if (S.blink) return;
  var on = false;
  S.blink = { timer: setInterval(function () { on = !on; document.title = on ? '● ' + title : plain(); }, 800) };
  document.title = '● ' + title;
}
export function stopBlink() {
  if (!S.blink) return;
  clearInterval(S.blink.timer); S.blink = null; document.title = plain();
}
