// The operator console: a token kept in this tab's sessionStorage, tenants per environment with
// their state (refreshed every 2 s), and an operation page that follows progress over SSE. The
// stream is read with fetch (EventSource cannot send the Authorization header). Text is always set
// with textContent: nothing from the API is parsed as HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { token: sessionStorage.getItem("platform-token"), me: null, timer: null, stream: null };

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${state.token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.detail || data.title || `HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function show(section) {
    for (const id of ["signin", "tenants", "operation"]) $(id).hidden = id !== section;
    $("signout").hidden = section === "signin";
  }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  async function loadTenants() {
    const env = $("env").value;
    try {
      const list = await api("GET", `/v1/tenants?env=${encodeURIComponent(env)}&limit=500`);
      const rows = $("tenant-rows");
      rows.replaceChildren();
      for (const item of list.items) {
        const tr = document.createElement("tr");
        tr.dataset.tenant = item.tenant;
        tr.appendChild(cell(item.tenant));
        tr.appendChild(cell(item.state, `state state-${item.state}`));
        tr.appendChild(cell(item.tier));
        const last = document.createElement("td");
        if (item.lastOperationId) {
          const a = document.createElement("a");
          a.href = `#/operations/${item.lastOperationId}`;
          a.textContent = item.lastOperationId;
          last.appendChild(a);
        }
        tr.appendChild(last);
        const actions = document.createElement("td");
        for (const kind of ["preview", "drift"]) {
          const b = document.createElement("button");
          b.textContent = kind === "preview" ? "Preview" : "Drift";
          b.dataset.action = kind;
          b.onclick = async () => {
            try {
              const op = await api("POST", `/v1/tenants/${item.tenant}/${kind}`, { environment: env });
              location.hash = `#/operations/${op.id}`;
            } catch (e) {
              $("tenants-error").textContent = `${kind} ${item.tenant}: ${e.message}`;
            }
          };
          actions.appendChild(b);
        }
        tr.appendChild(actions);
        rows.appendChild(tr);
      }
      $("tenants-empty").hidden = list.items.length > 0;
      $("tenants-error").textContent = "";
    } catch (e) {
      if (e.status === 401) return signOut("the token is no longer valid");
      $("tenants-error").textContent = e.message;
    }
  }

  function line(text) {
    const li = document.createElement("li");
    li.textContent = text;
    $("op-progress").appendChild(li);
  }

  function describe(type, data) {
    if (type === "resource")
      return `${data.phase === "done" ? "✓" : data.phase === "failed" ? "✗" : "…"} ${data.planning ? "would " : ""}${data.op} ${data.type} ${data.name}`;
    if (type === "diagnostic") return `${data.severity}: ${data.message}`;
    if (type === "summary")
      return `done in ${data.durationSeconds}s: ${JSON.stringify(data.resourceChanges)}`;
    if (type === "status")
      return `status: ${data.status}${data.detail ? ` (${data.detail.split("\n")[0]})` : ""}`;
    return `${type}: ${JSON.stringify(data)}`;
  }

  async function follow(id, signal) {
    const res = await fetch(`/v1/operations/${id}/events`, {
      headers: { authorization: `Bearer ${state.token}` },
      signal,
    });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let at;
      while ((at = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        let type = "message";
        let data = "";
        for (const l of block.split("\n")) {
          if (l.startsWith("event: ")) type = l.slice(7);
          else if (l.startsWith("data: ")) data += l.slice(6);
        }
        if (!data) continue;
        const parsed = JSON.parse(data);
        if (type === "end") {
          await refreshOperation(id);
          return;
        }
        if (type === "status") $("op-status").textContent = parsed.status;
        line(describe(type, parsed));
      }
    }
  }

  async function refreshOperation(id) {
    const op = await api("GET", `/v1/operations/${id}`);
    $("op-id").textContent = op.id;
    $("op-kind").textContent = op.kind;
    $("op-tenant").textContent = `${op.tenant || "(fleet)"} · ${op.environment}`;
    $("op-status").textContent = op.status;
    $("op-error").hidden = !op.error;
    $("op-error").textContent = op.error ? op.error.detail || op.error.title : "";
  }

  async function openOperation(id) {
    show("operation");
    $("op-progress").replaceChildren();
    if (state.stream) state.stream.abort();
    state.stream = new AbortController();
    try {
      await refreshOperation(id);
      await follow(id, state.stream.signal);
    } catch (e) {
      if (e.name !== "AbortError") (($("op-error").hidden = false), ($("op-error").textContent = e.message));
    }
  }

  function route() {
    clearInterval(state.timer);
    if (!state.token) return show("signin");
    const m = /^#\/operations\/(op_[0-9a-z]+)$/.exec(location.hash);
    if (m) return openOperation(m[1]);
    if (state.stream) state.stream.abort();
    show("tenants");
    loadTenants();
    state.timer = setInterval(loadTenants, 2000);
  }

  function signOut(why) {
    sessionStorage.removeItem("platform-token");
    state.token = null;
    $("who").textContent = "";
    $("signin-error").textContent = why || "";
    route();
  }

  $("signin-form").onsubmit = async (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    try {
      await api("GET", "/v1/tenants?limit=1");
      sessionStorage.setItem("platform-token", state.token);
      $("token").value = "";
      $("signin-error").textContent = "";
      route();
    } catch (e) {
      state.token = null;
      $("signin-error").textContent = e.status === 401 ? "That token is unknown or revoked." : e.message;
    }
  };
  $("signout").onclick = () => signOut();
  $("env").onchange = loadTenants;
  window.addEventListener("hashchange", route);
  route();
})();
