// Check-in tablet page: keep the card input focused for a USB scanner (it types the code
// and Enter), and scan the QR code with the camera where the browser has BarcodeDetector.
(function () {
  "use strict";
  var input = document.getElementById("card");
  var form = document.getElementById("checkin-form");
  if (!input || !form) { return; }
  input.focus();
  document.addEventListener("click", function (e) {
    if (!e.target.closest("a, button, input, select, textarea, video")) { input.focus(); }
  });
  // an elder card's QR code holds "MEALPLAN-CARD:<number>" or the bare number
  function cardOf(text) {
    var m = /^MEALPLAN-CARD:(.+)$/.exec(text.trim());
    return m ? m[1] : text.trim();
  }
  form.addEventListener("submit", function () { input.value = cardOf(input.value); });
  var button = document.getElementById("camera-scan");
  var video = document.getElementById("camera");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !button || !video) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      function tick() {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            input.value = cardOf(codes[0].rawValue);
            form.submit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }, function () { window.requestAnimationFrame(tick); });
      }
      tick();
    });
  });
})();
