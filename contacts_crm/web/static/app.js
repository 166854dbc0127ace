// The office page's few lines of JavaScript: every page works without them;
// they only save taps and keep what a flaky Wi-Fi would lose. Loaded from
// /static (the Content-Security-Policy allows no inline script).
(function () {
  'use strict';
  var TAP = 'crm-tap', AWAY = 'crm-tap-away', OUTBOX = 'crm-outbox', SENT = 'crm-outbox-sent';

  function $(id) { return document.getElementById(id); }

  function csrf() { return document.body && document.body.dataset.csrf; }

  function load(store, key, empty) {
    try { return JSON.parse(store.getItem(key)) || empty; } catch (e) { return empty; }
  }

  // ---------------------------------------------------- call-back date
  function callbackDate() {
    var day = $('callback_on');
    if (!day) { return; }
    day.addEventListener('change', function () {
      var r = document.querySelector('input[name=outcome][value=callback]');
      if (this.value && r) { r.checked = true; }
    });
  }

  // ------------------------------------- a tapped number: "how did it go?"
  function telTaps() {
    document.addEventListener('click', function (ev) {
      var a = ev.target.closest && ev.target.closest('a[href^="tel:"]');
      if (!a) { return; }
      var number = decodeURIComponent(a.getAttribute('href').slice(4));
      var tap = {number: number, at: Date.now(), url: ''};
      sessionStorage.setItem(TAP, JSON.stringify(tap));
      sessionStorage.removeItem(AWAY);
      var body = new URLSearchParams({csrf: csrf(), number: number});
      fetch('/calls/tapped', {method: 'POST', body: body, credentials: 'same-origin',
                              keepalive: true})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          var now = load(sessionStorage, TAP, null);
          if (d && d.url && now && now.at === tap.at) {
            now.url = d.url;
            sessionStorage.setItem(TAP, JSON.stringify(now));
            var link = $('tel-log');
            if (link) { link.href = d.url; }
          }
        })
        .catch(function () {});
    });
    document.addEventListener('visibilitychange', function () {
      if (!sessionStorage.getItem(TAP)) { return; }
      if (document.visibilityState === 'hidden') {
        sessionStorage.setItem(AWAY, '1');  // the dialer is in front
      } else if (sessionStorage.getItem(AWAY)) {
        askHowItWent();
      }
    });
    if (sessionStorage.getItem(TAP) && sessionStorage.getItem(AWAY)) {
      askHowItWent();  // the phone reloaded the page while the call ran
    }
    var later = $('tel-later');
    if (later) { later.addEventListener('click', forgetTap); }
    var log = $('tel-log');
    if (log) {
      log.addEventListener('click', function () {  // the prompt goes with the page
        sessionStorage.removeItem(TAP);
        sessionStorage.removeItem(AWAY);
      });
    }
  }

  function askHowItWent() {
    var box = $('tel-prompt'), tap = load(sessionStorage, TAP, null);
    if (!box || !tap) { return; }
    $('tel-log').href = tap.url || '/today';
    box.hidden = false;
    box.scrollIntoView({block: 'start'});
  }

  function forgetTap() {
    sessionStorage.removeItem(TAP);
    sessionStorage.removeItem(AWAY);
    var box = $('tel-prompt');
    if (box) { box.hidden = true; }
  }

  // ------------------------------------------------- offline: keep, send once
  function note(kind, extra) {
    var box = $('offline-note');
    if (!box) { return; }
    box.textContent = box.dataset[kind] + (extra ? ' ' + extra : '');
    box.className = kind === 'failed' ? 'problem' : 'notice';
    box.hidden = false;
  }

  function newOp() {
    var bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ('0' + b.toString(16)).slice(-2);
    }).join('');
  }

  function post(action, body) {
    return fetch(action, {method: 'POST', body: body, credentials: 'same-origin',
                          headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
  }

  function keep(action, body, op) {
    var box = load(localStorage, OUTBOX, []).filter(function (f) { return f.op !== op; });
    box.push({action: action, body: body, op: op, at: Date.now()});
    localStorage.setItem(OUTBOX, JSON.stringify(box));
  }

  function drop(op) {
    var box = load(localStorage, OUTBOX, []).filter(function (f) { return f.op !== op; });
    localStorage.setItem(OUTBOX, JSON.stringify(box));
  }

  var flushing = false;

  function flush() {
    if (flushing || !load(localStorage, OUTBOX, []).length) { return; }
    if (navigator.locks) {  // one tab at a time sends what the phone kept
      navigator.locks.request(OUTBOX, {ifAvailable: true}, function (lock) {
        return lock ? sendKept() : null;
      });
    } else {
      sendKept();
    }
  }

  function sendKept() {
    flushing = true;
    var box = load(localStorage, OUTBOX, []), sent = 0, failed = '';
    function next(i) {
      if (i >= box.length) { return Promise.resolve(); }
      var f = box[i];
      return post(f.action, f.body).then(function (resp) {
        drop(f.op);  // answered: never sent again (the op id makes a repeat harmless anyway)
        if (resp.ok) { sent += 1; } else { failed = String(resp.status); }
        return next(i + 1);
      });
    }
    return next(0).catch(function () {}).then(function () {
      flushing = false;
      if (failed) { note('failed', failed); }
      if (sent) {
        sessionStorage.setItem(SENT, '1');
        location.reload();
      }
    });
  }

  function offlineForms() {
    document.addEventListener('submit', function (ev) {
      var form = ev.target, op = form.querySelector('input[name=op]');
      if (!op || (form.getAttribute('method') || '').toLowerCase() !== 'post') { return; }
      ev.preventDefault();
      var body = new URLSearchParams(new FormData(form)).toString();
      var action = form.getAttribute('action');
      post(action, body).then(function (resp) {
        if (resp.redirected && resp.ok) {
          location.assign(resp.url);
        } else {  // an error page: let the browser show it (the op id makes it one write)
          HTMLFormElement.prototype.submit.call(form);
        }
      }).catch(function () {
        keep(action, body, op.value);
        op.value = newOp();  // the next form from this page is another operation
        form.reset();
        note('saved');
        window.scrollTo(0, 0);
      });
    });
    window.addEventListener('online', flush);
    if (sessionStorage.getItem(SENT)) {
      sessionStorage.removeItem(SENT);
      note('sent');
    }
    if (navigator.onLine) { flush(); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    callbackDate();
    if (csrf()) {
      telTaps();
      offlineForms();
    }
  });
}());
