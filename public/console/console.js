// The sign-in console: a page of this worker that uses its API with the session cookie, as an
// app would. No framework and no build step.
"use strict";

const $ = (id) => document.getElementById(id);

// Every answer of the API is JSON. One that never comes, or whose body cannot be read as JSON,
// is status 0 with `failure` saying which: every caller shows status 0 as an error (none accepts
// it as a success), so no part of the page waits silently for what will not come.
async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    return { status: 0, json: null, failure: "no answer: the connection failed" };
  }
  try {
    return { status: response.status, json: await response.json() };
  } catch {
    return { status: 0, json: null, failure: `an answer (${response.status}) that is not JSON` };
  }
}

function showError(answer) {
  const error = answer.json && answer.json.error;
  $("error").textContent = error ? `${error.code}: ${error.message}` : answer.failure || `request failed (${answer.status})`;
  $("error").hidden = false;
  // In the browser's console too, where a developer (and the browser tests) look for errors.
  console.error(`console: ${$("error").textContent}`);
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function showSession(session) {
  const rows = $("session-rows");
  rows.replaceChildren();
  const fields = [
    ["User", `${session.user.email} (${session.user.id})`],
    ["WorkOS session", session.workos_session_id],
    ["Organisation", session.organization_id ? `${session.organization_id} (${session.role || "no role"})` : "—"],
    ["Signed in with", session.authentication_method || "—"],
    ["Access token expires", session.access_token_expires_at],
    ["Session ends", session.expires_at],
  ];
  for (const [name, value] of fields) {
    const row = document.createElement("tr");
    row.dataset.field = name;
    cell(row, name);
    cell(row, value);
    rows.appendChild(row);
  }
  $("who").textContent = session.user.email;
  $("session").hidden = false;
}

// The workspace whose members are shown, which the invite form invites to.
let shownWorkspace = null;

async function showInvitations(workspace) {
  const answer = await api("GET", `/v1/orgs/${encodeURIComponent(workspace.id)}/invitations?limit=100`);
  if (answer.status !== 200) return showError(answer);
  const rows = $("invitation-rows");
  rows.replaceChildren();
  for (const invitation of answer.json.data) {
    const row = document.createElement("tr");
    row.dataset.email = invitation.email;
    cell(row, invitation.email);
    cell(row, invitation.role);
    cell(row, invitation.state);
    // The invitee lands back on this console once signed in.
    const link = invitation.sign_up_url ? new URL(`${invitation.sign_up_url}&return_to=%2F`, location.origin) : null;
    const code = document.createElement("code");
    code.textContent = link ? link.href : "—";
    cell(row, "").appendChild(code);
    rows.appendChild(row);
  }
}

async function invite(event) {
  event.preventDefault();
  const form = event.target;
  const path = `/v1/orgs/${encodeURIComponent(shownWorkspace.id)}/invitations`;
  const answer = await api("POST", path, { email: form.email.value, role: form.role.value });
  if (answer.status !== 201) return showError(answer);
  $("error").hidden = true;
  form.reset();
  await showMembers(shownWorkspace);
}

async function showMembers(workspace) {
  shownWorkspace = workspace;
  const answer = await api("GET", `/v1/orgs/${encodeURIComponent(workspace.id)}/members?limit=100`);
  if (answer.status !== 200) return showError(answer);
  $("members-of").textContent = workspace.name;
  const rows = $("member-rows");
  rows.replaceChildren();
  for (const member of answer.json.data) {
    const row = document.createElement("tr");
    // A user WorkOS deleted stays a member until an admin removes them: say so.
    cell(row, member.user_deleted_at ? `${member.email} (deleted at WorkOS)` : member.email);
    cell(row, member.user_id);
    cell(row, member.role);
    rows.appendChild(row);
  }
  await showInvitations(workspace);
  $("members").hidden = false;
}

async function showWorkspaces() {
  const answer = await api("GET", "/v1/orgs?limit=100");
  if (answer.status !== 200) return showError(answer);
  const rows = $("workspace-rows");
  rows.replaceChildren();
  for (const workspace of answer.json.data) {
    const row = document.createElement("tr");
    row.dataset.slug = workspace.slug;
    cell(row, workspace.name);
    cell(row, workspace.slug);
    cell(row, workspace.personal ? "yes" : "");
    const button = document.createElement("button");
    button.className = "quiet";
    button.textContent = "Members";
    button.addEventListener("click", () => showMembers(workspace));
    cell(row, "").appendChild(button);
    rows.appendChild(row);
  }
  $("workspaces").hidden = false;
}

async function showSessions() {
  const answer = await api("GET", "/v1/me/sessions?limit=100");
  if (answer.status !== 200) return showError(answer);
  const rows = $("session-list");
  rows.replaceChildren();
  for (const session of answer.json.data) {
    const row = document.createElement("tr");
    row.dataset.current = String(session.current);
    cell(row, session.current ? `${session.id} (this one)` : session.id);
    cell(row, session.status);
    cell(row, session.auth_method || "—");
    cell(row, session.created_at);
    rows.appendChild(row);
  }
  $("sessions").hidden = false;
}

async function signOutOthers() {
  const answer = await api("DELETE", "/v1/me/sessions");
  if (answer.status !== 200) return showError(answer);
  $("sign-out-others-result").textContent = `${answer.json.revoked} signed out`;
  await showSessions();
}

async function switchOrganization(event) {
  event.preventDefault();
  const form = event.target;
  const answer = await api("POST", "/v1/auth/session/organization", { organization_id: form.organization_id.value });
  if (answer.status === 409 && answer.json.error.authorize_url) {
    // SSO or MFA first: a sign-in into that organisation.
    window.location.assign(answer.json.error.authorize_url);
    return;
  }
  if (answer.status !== 200) return showError(answer);
  $("error").hidden = true;
  showSession(answer.json.session);
}

async function showWelcome() {
  // The first call after a first sign-in gets the default key; later calls get 404.
  const answer = await api("GET", "/v1/auth/welcome");
  if (answer.status === 404) return;
  if (answer.status !== 200) return showError(answer);
  $("welcome-key").textContent = answer.json.default_api_key.secret;
  $("welcome").hidden = false;
}

async function signOut() {
  const answer = await api("POST", "/v1/auth/logout");
  if (answer.status !== 200) return showError(answer);
  // WorkOS ends its own session too, then sends the browser back here.
  window.location.assign(answer.json.logout_url);
}

async function createWorkspace(event) {
  event.preventDefault();
  const form = event.target;
  const answer = await api("POST", "/v1/orgs", { name: form.name.value, slug: form.slug.value });
  if (answer.status !== 201) return showError(answer);
  $("error").hidden = true;
  form.reset();
  await showWorkspaces();
}

async function start() {
  $("sign-out").addEventListener("click", signOut);
  $("create-workspace").addEventListener("submit", createWorkspace);
  $("invite").addEventListener("submit", invite);
  $("switch-organization").addEventListener("submit", switchOrganization);
  $("sign-out-others").addEventListener("click", signOutOthers);
  const answer = await api("GET", "/v1/auth/session");
  if (answer.status === 401) {
    $("signed-out").hidden = false;
    return;
  }
  if (answer.status !== 200) return showError(answer);
  $("sign-out").hidden = false;
  showSession(answer.json.session);
  $("organization").hidden = false;
  await showWelcome();
  await showSessions();
  await showWorkspaces();
}

// Ready (for the browser tests) once the page has shown what it loads, or the error that stopped it.
start().finally(() => {
  document.body.dataset.ready = "true";
});
