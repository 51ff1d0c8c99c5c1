// The served lab in a real browser: the login page without a token, a wrong token refused, the right one listing
// the lessons, then the environment notebook opened, its first cells run, their output seen, and a screenshot.
//   node tests/browser/lab.mjs URL TOKEN ARTIFACTS_DIR
import { mkdirSync } from "node:fs";
import { launch, checks } from "./chromium.mjs";

const [url, token, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.setDefaultTimeout(60_000);

async function logIn(secret) {
  await page.goto(`${url}/login?next=%2Ftree%2Fnotebooks`);
  await page.fill("input[type=password]", secret);
  await Promise.all([page.waitForLoadState("load"), page.press("input[type=password]", "Enter")]);
}

const failed = await checks([
  ["without a token the lab shows its login page", async () => {
    const response = await page.goto(`${url}/tree`);
    if (!page.url().includes("/login")) throw new Error(`landed on ${page.url()} (HTTP ${response.status()})`);
    await page.waitForSelector("input[type=password]");
    await page.screenshot({ path: `${artifacts}/lab-login.png` });
  }],
  ["a wrong token is refused", async () => {
    await logIn("not-the-token");
    if (!page.url().includes("/login")) throw new Error(`a wrong token got to ${page.url()}`);
    await page.getByText(/Invalid credentials/i).waitFor();
  }],
  ["the right token lists the lesson notebooks", async () => {
    await logIn(token);
    await page.waitForURL(/\/tree\/notebooks/);
    for (const name of ["00-quickstart.ipynb", "01-environment.ipynb", "04-evaluation.ipynb"])
      await page.getByText(name, { exact: true }).first().waitFor();
    await page.screenshot({ path: `${artifacts}/lab-tree.png` });
  }],
  ["the environment notebook runs its first cells and shows the device card", async () => {
    await page.goto(`${url}/notebooks/notebooks/01-environment.ipynb`);
    // The .NET kernel takes a while to start; the notebook UI marks it idle when it is ready.
    await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 180_000 });
    await page.locator(".code_cell .input_area").first().click();
    await page.keyboard.press("Shift+Enter"); // loads the kit from the local feed
    await page.keyboard.press("Shift+Enter"); // #!cuda-info
    const card = page.locator(".output_area").getByText("Compute devices");
    await card.waitFor({ timeout: 300_000 });
    await page.locator(".output_area").getByText("EfficientNetLab.Interactive loaded").first().waitFor();
    // The notebook scrolls inside its own panel, so a full-page shot would stop at the fold: bring the card up.
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${artifacts}/lab-environment-notebook.png` });
  }],
]);
await browser.close();
process.exit(failed ? 1 : 0);
