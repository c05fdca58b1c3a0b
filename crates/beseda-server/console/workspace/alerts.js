/* Alerts of new chats and visitors: desktop notification, sound, blinking title. */
import { S } from './state.js';

export function askNotifications() {
  if (window.Notification && Notification.permission === 'default') Notification.requestPermission();
}
export function notify(title, body) {
  S.alerts += 1;
  document.body.setAttribute('data-alerts', String(S.alerts));
  if (window.Notification && Notification.permission === 'granted') {
    try { new Notification('Beseda: ' + title, { body: String(body || ''), tag: 'beseda-' + S.alerts }); } catch (x) { /* no notifications here */ }
  }
  if (S.sound) beep();
  startBlink(title);
}
export function beep() {
  try {
    var Ctx = window.AudioContext || /** @type {any} */ (window).webkitAudioContext, ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = 880; gain.gain.value = 0.08; osc.connect(gain); gain.connect(ctx.destination);
    osc.start(); osc.stop(ctx.currentTime + 0.18); osc.onended = function () { ctx.close(); };
  } catch (x) { /* no audio here */ }
}
export function startBlink(title) {
  if (S.blink) return;
  var plain = document.title, on = false;
  S.blink = { plain: plain, timer: setInterval(function () { on = !on; document.title = on ? '● ' + title : plain; }, 800) };
  document.title = '● ' + title;
}
export function stopBlink() {
  if (!S.blink) return;
  clearInterval(S.blink.timer); document.title = S.blink.plain; S.blink = null;
}
