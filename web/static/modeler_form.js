// The form editor (/modeler/forms/<process>/<file>): redraws the preview a moment after each change,
// from the server (the same partial a task page uses), sending the session's CSRF token.
(function () {
  const editor = document.getElementById("form-editor");
  const source = document.getElementById("form-schema");
  const preview = document.getElementById("form-preview");
  if (!editor || !source || !preview) return;
  const token = editor.querySelector("input[name=csrf_token]").value;
  let timer = null;
  let sent = 0;
  async function refresh() {
    const mine = ++sent;
    const body = new URLSearchParams({ schema: source.value });
    const response = await fetch(editor.dataset.previewUrl, {
      method: "POST", credentials: "same-origin", body,
      headers: { "X-CSRF-Token": token },
    });
    if (response.ok && mine === sent) preview.innerHTML = await response.text();
  }
  source.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
