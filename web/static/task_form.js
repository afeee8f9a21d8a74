// Task forms, "Add a row" without a round trip (docs/forms.md). Without JavaScript the button
// posts the form and the server shows it again with one more row; with it, the last row is copied
// here, emptied and renumbered (<table>-<row>-<column>), and the row count the server reads goes up.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[name=add_row]");
  if (!button) return;
  var table = button.value;
  var count = document.querySelector('input[name="' + table + '-rows"]');
  var body = button.closest("fieldset").querySelector("tbody");
  var last = body && body.lastElementChild;
  var max = parseInt(button.getAttribute("data-max-rows"), 10);
  if (!count || !last) return;               // let the server add the row
  event.preventDefault();
  var number = body.children.length;
  var row = last.cloneNode(true);
  var from = table + "-" + (number - 1) + "-";
  var to = table + "-" + number + "-";
  row.querySelector("th").textContent = String(number + 1);
  row.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
  row.querySelectorAll("td").forEach(function (cell) { cell.classList.remove("has-error"); });
  row.querySelectorAll("label").forEach(function (label) {
    label.htmlFor = label.htmlFor.replace(from, to);
    label.textContent = label.textContent.replace(/row \d+$/, "row " + (number + 1));
  });
  row.querySelectorAll("button[name=row_action]").forEach(function (action) {
    action.value = action.value.replace(/:\d+$/, ":" + number);
    action.setAttribute("aria-label", action.getAttribute("aria-label").replace(/row \d+/, "row " + (number + 1)));
  });
  if (number === 1 && !row.querySelector("button[value^='up:']")) {
    var remove = row.querySelector("button[name=row_action]");
    if (remove) {
      var up = remove.cloneNode(true);
      up.value = "up:" + table + ":" + number;
      up.textContent = "Move up";
      up.setAttribute("aria-label", remove.getAttribute("aria-label").replace(/^Remove /, "Move up "));
      remove.parentNode.insertBefore(up, remove);
    }
  }
  row.querySelectorAll("input, select, textarea").forEach(function (input) {
    input.name = input.name.replace(from, to);
    input.id = input.id.replace(from, to);
    input.removeAttribute("aria-describedby");
    input.value = "";
  });
  body.appendChild(row);
  count.value = String(number + 1);
  if (number + 1 >= max) button.hidden = true;
  row.querySelector("input, select, textarea").focus();
});
