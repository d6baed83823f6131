// Finds a Chrome or Chromium for the browser tests: CHROME_PATH, else an installed one, else
// Debian's `chromium` installed with apt when running as root. Without any, a clear message.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const INSTALLED = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/opt/google/chrome/chrome",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

const installed = () => INSTALLED.find((path) => existsSync(path));

function aptInstall() {
  const apt = (args) => spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  console.log("$ apt-get install -y chromium");
  if (apt(["install", "-y", "chromium"]).status === 0) return;
  // The package lists may be missing or stale on a fresh machine.
  apt(["update"]);
  apt(["install", "-y", "chromium"]);
}

/** The browser's path; installs Chromium with apt when root and none is found. */
export function ensureBrowser() {
  if (process.env.CHROME_PATH) {
    if (!existsSync(process.env.CHROME_PATH)) throw new Error(`CHROME_PATH=${process.env.CHROME_PATH} does not exist`);
    return process.env.CHROME_PATH;
  }
  let path = installed();
  if (!path && process.getuid?.() === 0) {
    aptInstall();
    path = installed();
  }
  if (!path) {
    throw new Error(
      "The browser tests need Chrome or Chromium and none was found. Set CHROME_PATH to its binary, " +
        "or install one (Debian/Ubuntu as root: apt-get install -y chromium; npm test does this itself when run as root).",
    );
  }
  return path;
}
