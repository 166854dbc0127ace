// The office page's few lines of JavaScript: every page works without them;
// they only save taps. Loaded from /static (the Content-Security-Policy allows
// no inline script).
(function () {
  'use strict';

  // Picking a call-back date selects the "call back" outcome.
  function callbackDate() {
    var day = document.getElementById('callback_on');
    if (!day) { return; }
    day.addEventListener('change', function () {
      var r = document.querySelector('input[name=outcome][value=callback]');
      if (this.value && r) { r.checked = true; }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    callbackDate();
  });
}());
