/* Report forms and the queue's filters: the report-type picker offers only the chosen service's types (its
   options are "service:code", grouped by service); with no service chosen it offers them all, and picking a
   type chooses its service. Without this script every type is listed, grouped by service, and a type of
   another service is refused beside the field. */
(function () {
  "use strict";
  var pickers = document.querySelectorAll("select[name=report_type]");
  Array.prototype.forEach.call(pickers, function (picker) {
    var service = picker.form && picker.form.querySelector("select[name=service]");
    if (!service) { return; }
    function follow() {
      var prefix = service.value ? service.value + ":" : "";
      var any = false;
      Array.prototype.forEach.call(picker.querySelectorAll("optgroup"), function (group) {
        var mine = false;
        Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
          var match = option.value.indexOf(prefix) === 0;
          option.disabled = !match;
          option.hidden = !match;
          mine = mine || match;
        });
        group.hidden = !mine;
        group.disabled = !mine;
        any = any || mine;
      });
      if (picker.value && picker.value.indexOf(prefix) !== 0) { picker.value = ""; }
      var field = picker.closest(".field");
      if (field) { field.hidden = !any; }
    }
    service.addEventListener("change", follow);
    picker.addEventListener("change", function () {
      var chosen = picker.value.split(":")[0];
      if (picker.value && service.value !== chosen) {
        service.value = chosen;
        service.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    follow();
  });
}());
