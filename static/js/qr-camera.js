/* The phone camera as a QR code reader, shared by the check-in scanner and the sponsors'
 * lead scanner: BarcodeDetector where the browser has it, else the vendored jsQR (load
 * it first) on a canvas; a photo of a badge where there is no camera stream.
 *
 * QrCamera.attach(root, options) wires these elements inside ``root``:
 *   [data-camera] (the box around) [data-video], [data-canvas], [data-camera-controls],
 *   [data-camera-start], [data-camera-stop], [data-camera-error], [data-photo].
 * options:
 *   onCode(text)   called with each code read; the camera does not repeat the code it
 *                  read last for SAME_CODE_PAUSE (a badge held in front of it is one
 *                  scan), a photo always counts;
 *   isBusy()       true while the page shows an answer: the camera then waits;
 *   labels         {cameraError, noCode}: the texts of the two failures.
 * Returns {stop, forget}: ``forget`` lets the camera read its last code again at once.
 * The controls stay hidden without this script, since a page without JavaScript cannot
 * use them.
 */
(function () {
  "use strict";

  var SAME_CODE_PAUSE = 3000;
  var detector = null;
  if ("BarcodeDetector" in window) {
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (e) {
      detector = null;
    }
  }

  /* A photo of a badge as something to draw. Read without a blob: URL, which the
   * Content-Security-Policy does not allow for images. */
  function photoBitmap(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file);
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var image = new Image();
        image.onload = function () { resolve(image); };
        image.onerror = reject;
        image.src = reader.result;
      };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  function attach(root, options) {
    var $ = function (selector) { return root.querySelector(selector); };
    var video = $("[data-video]");
    var canvas = $("[data-canvas]");
    var cameraBox = $("[data-camera]");
    var startButton = $("[data-camera-start]");
    var stopButton = $("[data-camera-stop]");
    var cameraError = $("[data-camera-error]");
    var labels = options.labels || {};
    var isBusy = options.isBusy || function () { return false; };
    var stream = null;
    var last = { text: "", at: 0 };

    /* The QR text in ``source`` (a video or an image), or null. */
    function decode(source, width, height) {
      var viaDetector = detector
        ? detector.detect(source).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        }).catch(function () { return null; })
        : Promise.resolve(null);
      return viaDetector.then(function (text) {
        if (text || typeof window.jsQR !== "function" || !width || !height) {
          return text;
        }
        var scale = Math.min(1, 1280 / Math.max(width, height));
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        var ctx = canvas.getContext("2d", { willReadFrequently: true });
        ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
        var pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
        return found ? found.data : null;
      });
    }

    function tick() {
      if (!stream) {
        return;
      }
      if (isBusy() || video.readyState < 2) {
        window.setTimeout(tick, 200);
        return;
      }
      decode(video, video.videoWidth, video.videoHeight).then(function (text) {
        var now = Date.now();
        if (text && !(text === last.text && now - last.at < SAME_CODE_PAUSE)) {
          last = { text: text, at: now };
          options.onCode(text);
        }
        window.setTimeout(tick, 150);
      });
    }

    function stopCamera() {
      if (stream) {
        stream.getTracks().forEach(function (t) { t.stop(); });
      }
      stream = null;
      cameraBox.hidden = true;
      startButton.hidden = false;
      stopButton.hidden = true;
    }

    function showError(text) {
      cameraError.textContent = text || "";
      cameraError.hidden = false;
    }

    function startCamera() {
      cameraError.hidden = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          cameraBox.hidden = false;
          startButton.hidden = true;
          stopButton.hidden = false;
          return video.play();
        })
        .then(tick)
        .catch(function () {
          stopCamera();
          showError(labels.cameraError);
        });
    }

    function decodePhoto(file) {
      cameraError.hidden = true;
      photoBitmap(file)
        .then(function (picture) {
          return decode(picture, picture.width, picture.height);
        })
        .catch(function () { return null; })
        .then(function (text) {
          if (text) {
            last = { text: text, at: Date.now() };
            options.onCode(text);
          } else {
            showError(labels.noCode);
          }
        });
    }

    $("[data-camera-controls]").hidden = false;
    if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      startButton.addEventListener("click", startCamera);
      stopButton.addEventListener("click", stopCamera);
    } else {
      startButton.hidden = true;
    }
    $("[data-photo]").addEventListener("change", function (e) {
      if (e.target.files && e.target.files[0]) {
        decodePhoto(e.target.files[0]);
        e.target.value = "";
      }
    });

    return {
      stop: stopCamera,
      forget: function () { last = { text: "", at: 0 }; },
    };
  }

  window.QrCamera = { attach: attach };
})();
