// Debian's Chromium under Playwright, launched so that it makes no connection of its own (this project's machines
// have no internet; background networking would only produce refused connections and slow starts).
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export function launch() {
  // /usr/bin/chromium is Debian's wrapper script; Playwright drives the binary itself.
  const executablePath = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"].find(existsSync);
  if (!executablePath) throw new Error("Chromium not found: apt-get install chromium");
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

// Runs named checks in order, printing "ok"/"FAIL" per check and the closing "N passed, N failed" line that
// test.sh sums; returns the number failed.
export async function checks(list) {
  let failed = 0;
  for (const [name, fn] of list) {
    try {
      await fn();
      console.log(`ok   ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}\n    ${String(e?.message ?? e).split("\n").slice(0, 6).join("\n    ")}`);
    }
  }
  console.log(`${list.length - failed} passed, ${failed} failed`);
  return failed;
}
