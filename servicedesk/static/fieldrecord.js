/* The customer's signature pad on the incident page: pointer events (finger, pen or mouse) draw on a canvas of fixed
   resolution; "Clear" empties it; "Save" puts the drawing into the form as a PNG data URL. No libraries. */
(function () {
  "use strict";

  function setup(form) {
    var canvas = form.querySelector("canvas");
    var input = form.querySelector("input[name=signature]");
    var clear = form.querySelector("[data-sigpad-clear]");
    var error = form.querySelector("#sig-err");
    if (!canvas || !input || !canvas.getContext) return;
    var ctx = canvas.getContext("2d");
    var drawn = false, last = null, points = 0;

    function pen() {
      ctx.lineWidth = 5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#10233f";
      ctx.fillStyle = "#10233f";
    }
    pen();

    function at(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * canvas.width / box.width,
        y: (event.clientY - box.top) * canvas.height / box.height
      };
    }

    function dot(p) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      last = at(event);
      error.hidden = true;  // the customer is signing: an earlier "sign first" no longer applies
      dot(last);
      points += 1;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) events = [event];
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      for (var i = 0; i < events.length; i++) {
        var p = at(events[i]);
        ctx.lineTo(p.x, p.y);
        last = p;
        points += 1;
      }
      ctx.stroke();
      if (points > 3) drawn = true;
    });
    function stop() { last = null; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      pen();
      drawn = false;
      points = 0;
      input.value = "";
    });

    form.addEventListener("submit", function (event) {
      if (!drawn) {
        event.preventDefault();
        while (error.firstChild) error.removeChild(error.firstChild);
        var p = document.createElement("p");
        p.textContent = form.getAttribute("data-empty-message");
        error.appendChild(p);
        error.hidden = false;
        canvas.focus();
        return;
      }
      input.value = canvas.toDataURL("image/png");
    });
  }

  function init() {
    var forms = document.querySelectorAll("form[data-sigpad]");
    for (var i = 0; i < forms.length; i++) setup(forms[i]);
    var print = document.querySelectorAll("[data-print]");
    for (var j = 0; j < print.length; j++) print[j].addEventListener("click", function () { window.print(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
