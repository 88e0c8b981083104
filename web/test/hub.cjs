// A hub for a browser test: a fresh data directory, the given hub.yaml (and files beside
// it: {name: text}), started with --port 0; resolves once it prints where it listens,
// with its one-time setup link.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

async function startHub(hubYaml, { timeoutMs = 60000, files = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "coophub-browser-"));
  const config = path.join(dir, "hub.yaml");
  fs.writeFileSync(config, hubYaml);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const proc = spawn(process.env.COOPHUB_BINARY, ["serve", "--config", config, "--data", path.join(dir, "data"), "--port", "0"],
                     { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let log = "";
  proc.stderr.on("data", (d) => { log += d; });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the hub did not start within " + timeoutMs + " ms:\n" + out + log)), timeoutMs);
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error("the hub exited with " + code + ":\n" + out + log)); });
    proc.stdout.on("data", (d) => {
      out += d;
      const base = /dashboard: (http\S+?)\/?\n/.exec(out);
      const setup = /(http\S+\/setup#code=\S+)\n/.exec(out);
      if (base && setup) { clearTimeout(timer); resolve({ base: base[1], setupLink: setup[1] }); }
    });
  });
  return {
    ...ready,
    dir,
    log: () => out + log,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.on("exit", r));
        proc.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The first admin of a fresh hub, made with its one-time setup code and signed in: the
// headers (session cookie, CSRF token) of their API calls.
async function firstAdmin(hub, password, name = "admin") {
  const code = hub.setupLink.split("#code=")[1];
  const made = await fetch(`${hub.base}/api/v1/setup`, { method: "POST", headers: { "Content-Type": "application/json" },
                                                         body: JSON.stringify({ code, name, password }) });
  if (made.status !== 200) throw new Error(`setup: ${made.status} ${await made.text()}`);
  const login = await fetch(`${hub.base}/api/v1/login`, { method: "POST", headers: { "Content-Type": "application/json" },
                                                          body: JSON.stringify({ name, password }) });
  return { Cookie: login.headers.get("set-cookie").split(";")[0], "X-CSRF-Token": (await login.json()).csrf };
}

module.exports = { startHub, firstAdmin };
