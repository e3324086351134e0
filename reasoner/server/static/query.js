// The query page: load the ready-made queries, send the query to /sparql,
// render SELECT/ASK results as a table and anything else as text.
// Self-contained: no external script, style or font (the server's CSP forbids them).
"use strict";

const PREFIXES = {
  "https://w3id.org/glr/ontology#": "glr:",
  "https://w3id.org/glr/kb/postfusion#": "pf:",
  "http://www.w3.org/ns/prov#": "prov:",
  "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
  "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
  "http://www.w3.org/2001/XMLSchema#": "xsd:",
};

function shorten(iri) {
  for (const [ns, prefix] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns)) return prefix + iri.slice(ns.length);
  }
  return "<" + iri + ">";
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    td.textContent = shorten(term.value);
    td.title = term.value;
  } else if (term.type === "bnode") {
    td.textContent = "_:" + term.value;
  } else {
    td.textContent = term.value;
    if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
    else if (term.datatype) td.title = shorten(term.datatype);
  }
  return td;
}

function renderTable(json, target) {
  if (typeof json.boolean === "boolean") {
    const p = document.createElement("p");
    p.textContent = "ASK: " + json.boolean;
    target.appendChild(p);
    return 1;
  }
  const vars = json.head.vars;
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const v of vars) {
    const th = document.createElement("th");
    th.textContent = "?" + v;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const binding of json.results.bindings) {
    const row = body.insertRow();
    for (const v of vars) row.appendChild(cell(binding[v]));
  }
  target.appendChild(table);
  return json.results.bindings.length;
}

async function run() {
  const query = document.getElementById("query").value;
  const choice = document.getElementById("accept").value;
  const status = document.getElementById("status");
  const target = document.getElementById("results");
  target.replaceChildren();
  status.className = "";
  status.textContent = "Running…";
  const accept = choice === "auto"
    ? "application/sparql-results+json, text/turtle;q=0.9"
    : choice;
  const started = performance.now();
  let response;
  try {
    response = await fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", "Accept": accept },
      body: query,
    });
  } catch (err) {
    status.className = "error";
    status.textContent = "The endpoint could not be reached: " + err;
    return;
  }
  const ms = Math.round(performance.now() - started);
  const text = await response.text();
  if (!response.ok) {
    status.className = "error";
    status.textContent = "HTTP " + response.status + " after " + ms + " ms: " + text;
    return;
  }
  const type = (response.headers.get("Content-Type") || "").split(";")[0];
  if (type === "application/sparql-results+json") {
    const n = renderTable(JSON.parse(text), target);
    status.textContent = n + " result(s) in " + ms + " ms.";
  } else {
    const pre = document.createElement("pre");
    pre.textContent = text;
    target.appendChild(pre);
    status.textContent = type + " in " + ms + " ms.";
  }
}

async function loadExamples() {
  const select = document.getElementById("examples");
  const description = document.getElementById("description");
  let queries = [];
  try {
    queries = await (await fetch("/queries")).json();
  } catch (err) {
    description.textContent = "Could not load the ready-made queries: " + err;
    return;
  }
  for (const q of queries) {
    const option = document.createElement("option");
    option.value = q.name;
    option.textContent = q.title;
    select.appendChild(option);
  }
  select.addEventListener("change", () => {
    const q = queries.find((item) => item.name === select.value);
    if (!q) return;
    document.getElementById("query").value = q.query;
    description.textContent = q.description;
  });
}

function init() {
  document.getElementById("endpoint").textContent = new URL("/sparql", window.location.href).href;
  document.getElementById("run").addEventListener("click", run);
  document.getElementById("query").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  loadExamples();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
