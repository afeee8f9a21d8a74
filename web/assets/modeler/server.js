// What the diagram page and the decision table page share: posting to the modeler's validate and deploy
// endpoints (JSON with the session's CSRF token; an answer that is not JSON is said as the status), the
// link to a newly deployed version, and downloading what is in the editor.
export async function postToModeler(url, body, csrfToken) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken },
    body: JSON.stringify(body),
  });
  try {
    return await response.json();
  } catch (error) {
    return { ok: false, message: `The server answered ${response.status}.`, problems: [] };
  }
}

export function linkToDeployed(status, answer) {
  if (!answer.ok || !answer.version_url) return;
  const link = document.createElement("a");
  link.href = answer.version_url;
  link.textContent = `Open version ${answer.version}`;
  status.append(" ", link);
}

export function download(fileName, xml) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(link.href);
}
