// The iPhone's engine for the journeys: WebKitGTK's MiniBrowser (Debian's libwebkit2gtk-4.1,
// the same WebKit that Safari and WeChat's WKWebView are built on) driven through its W3C
// WebDriver server (Debian's webkit2gtk-driver), under Xvfb. Playwright's own WebKit build
// cannot be downloaded here, so Playwright is only the runner: its `request` fixture talks to
// the API, and `wk` (below) is a WebDriver session through selenium-webdriver.
//
// `cargo xtask test` starts Xvfb and WebKitWebDriver and sets BAOMING_WEBDRIVER_URL and
// BAOMING_MINIBROWSER; the window is sized so that the page gets a phone's 360 px (a GTK style
// sheet in the driver's XDG_CONFIG_HOME lets MiniBrowser's toolbar shrink that far).
import { test as base, expect } from "@playwright/test";
import { Builder, By, type WebDriver, type WebElement } from "selenium-webdriver";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { UploadFile } from "../../e2e/support/images";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the WebKit journeys with \`cargo xtask test\``);
  return value;
}

/** A phone's viewport, as the Chromium journeys use. */
export const PHONE = { width: 360, height: 640 };

/** A page in WebKit, with what the journeys need of it. Elements are found the way a
 * candidate finds them: by their label, their visible text, or the app's data attributes. */
export class Wk {
  private files: string;
  constructor(readonly driver: WebDriver) {
    this.files = fs.mkdtempSync(path.join(os.tmpdir(), "baoming-webkit-"));
  }

  /** A session with a phone-sized viewport. */
  static async start(viewport = PHONE): Promise<Wk> {
    const driver = await new Builder()
      .usingServer(required("BAOMING_WEBDRIVER_URL"))
      .withCapabilities({
        browserName: "MiniBrowser",
        "webkitgtk:browserOptions": { binary: required("BAOMING_MINIBROWSER"), args: ["--automation"] },
      })
      .build();
    const wk = new Wk(driver);
    await wk.resize(viewport);
    return wk;
  }

  /** Sizes the window so that the page's viewport is `viewport` (the window adds its
   * toolbar, whose height is measured, not assumed). */
  async resize({ width, height }: { width: number; height: number }) {
    await this.driver.manage().window().setRect({ width, height });
    const [iw, ih] = (await this.driver.executeScript("return [innerWidth, innerHeight]")) as [number, number];
    await this.driver.manage().window().setRect({ width: width + (width - iw), height: height + (height - ih) });
  }

  async quit() {
    await this.driver.quit().catch(() => {});
    fs.rmSync(this.files, { recursive: true, force: true });
  }

  async goto(url: string) {
    await this.driver.get(url);
  }

  async url(): Promise<string> {
    return this.driver.getCurrentUrl();
  }

  /** Runs `fn` in the page with `args` (serialisable, or WebElements) and returns its value. */
  async eval<T>(fn: string, ...args: unknown[]): Promise<T> {
    return (await this.driver.executeScript(`return (${fn}).apply(null, arguments)`, ...args)) as T;
  }

  /** Waits until `check` (run in Node) returns something truthy; returns it. */
  async until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeout = 10_000): Promise<T> {
    let last: unknown;
    const value = await this.driver
      .wait(async () => {
        try {
          return await check();
        } catch (e) {
          last = e;
          return false;
        }
      }, timeout)
      .catch(async () => {
        throw new Error(`WebKit: waited ${timeout} ms for ${what} on ${await this.url()}${last ? `\n  last error: ${last}` : ""}`);
      });
    return value as T;
  }

  /** Waits for an element matching `css` (optionally whose text contains `text`) that is
   * shown, and returns it. */
  async shown(css: string, { text, within, timeout }: { text?: string | RegExp; within?: WebElement; timeout?: number } = {}): Promise<WebElement> {
    const source = text instanceof RegExp ? text.source : null;
    const flags = text instanceof RegExp ? text.flags : "";
    const plain = typeof text === "string" ? text : null;
    return this.until(
      `${css}${text ? ` with ${text}` : ""} to be shown`,
      async () =>
        (await this.driver.executeScript(
          `const [css, plain, source, flags, within] = arguments;
           const re = source === null ? null : new RegExp(source, flags);
           for (const el of (within || document).querySelectorAll(css)) {
             const r = el.getBoundingClientRect();
             if (r.width === 0 && r.height === 0) continue;
             if (getComputedStyle(el).visibility === "hidden") continue;
             const t = el.innerText || el.textContent || "";
             if (plain !== null && !t.includes(plain)) continue;
             if (re && !re.test(t)) continue;
             return el;
           }
           return null;`,
          css,
          plain,
          source,
          flags,
          within ?? null,
        )) as WebElement | null,
      timeout,
    );
  }

  /** The control whose label reads `name` (without the `*` of required fields). */
  async field(name: string, within?: WebElement): Promise<WebElement> {
    return this.until(`the field ${name}`, async () =>
      (await this.driver.executeScript(
        `const [name, within] = arguments;
         for (const label of (within || document).querySelectorAll("label")) {
           const text = label.textContent.replace(/[*＊]/g, "").trim();
           if (text === name && label.control) return label.control;
         }
         return null;`,
        name,
        within ?? null,
      )) as WebElement | null,
    );
  }

  /** Types into a field as a candidate does (real key events), replacing what was there. */
  async fill(name: string | WebElement, text: string, within?: WebElement) {
    const el = typeof name === "string" ? await this.field(name, within) : name;
    await this.scrollTo(el);
    await el.clear();
    await el.sendKeys(text);
    const value = await el.getAttribute("value");
    expect(value, `typed into ${typeof name === "string" ? name : "a field"}`).toBe(text);
  }

  /** Sets a date or month field, whose text entry differs between engines. */
  async setValue(name: string | WebElement, value: string, within?: WebElement) {
    const el = typeof name === "string" ? await this.field(name, within) : name;
    await this.eval(
      `(el, value) => {
         el.value = value;
         el.dispatchEvent(new Event("input", { bubbles: true }));
         el.dispatchEvent(new Event("change", { bubbles: true }));
       }`,
      el,
      value,
    );
  }

  /** Picks the option whose text is `label` in the select labelled `name`. */
  async select(name: string, label: string, within?: WebElement) {
    const el = await this.field(name, within);
    const option = await el.findElement(By.xpath(`.//option[normalize-space(.)=${xpathString(label)}]`));
    await option.click();
    await this.until(`${name} to read ${label}`, async () =>
      this.eval<boolean>(`(el, label) => el.selectedOptions[0]?.textContent.trim() === label`, el, label),
    );
  }

  /** A button or link whose visible text (or aria-label) is exactly `name`. */
  async control(name: string | RegExp, { within, css = "button, a, [role=button]" }: { within?: WebElement; css?: string } = {}) {
    const source = name instanceof RegExp ? name.source : null;
    const plain = typeof name === "string" ? name : null;
    return this.until(`a control named ${name}`, async () =>
      (await this.driver.executeScript(
        `const [css, plain, source, within] = arguments;
         const re = source === null ? null : new RegExp(source);
         for (const el of (within || document).querySelectorAll(css)) {
           if (el.disabled) continue;
           const r = el.getBoundingClientRect();
           if (r.width === 0 && r.height === 0) continue;
           const names = [(el.innerText || el.textContent || "").trim(), el.getAttribute("aria-label") || ""];
           if (names.some((n) => (plain !== null ? n === plain : re.test(n)))) return el;
         }
         return null;`,
        css,
        plain,
        source,
        within ?? null,
      )) as WebElement | null,
    );
  }

  async click(name: string | RegExp | WebElement, options: { within?: WebElement; css?: string } = {}) {
    const el = typeof name === "string" || name instanceof RegExp ? await this.control(name, options) : name;
    await this.scrollTo(el);
    await el.click();
  }

  /** Checks the radio button whose label contains `text`. */
  async radio(text: string | RegExp, within?: WebElement) {
    const label = await this.shown("label", { text, within });
    await this.scrollTo(label);
    await label.click();
    const input = (await this.eval<WebElement | null>(`(l) => l.control || l.querySelector("input")`, label))!;
    await this.until(`the radio ${text} to be checked`, async () => input.isSelected());
  }

  async scrollTo(el: WebElement) {
    await this.eval(`(el) => el.scrollIntoView({ block: "center" })`, el);
  }

  /** Waits until the page's text contains `text`. */
  async sees(text: string | RegExp, timeout = 10_000) {
    return this.shown("body", { text, timeout });
  }

  /** Waits until the URL matches `re`. */
  async at(re: RegExp, timeout = 10_000) {
    await this.until(`the URL to match ${re}`, async () => re.test(await this.url()), timeout);
  }

  /** Waits until `el`'s attribute `name` equals (or matches) `value`. */
  async attribute(el: WebElement, name: string, value: string | RegExp, timeout = 10_000) {
    await this.until(
      `${name}=${value}`,
      async () => {
        const v = await el.getAttribute(name);
        return v !== null && (typeof value === "string" ? v === value : value.test(v));
      },
      timeout,
    );
  }

  /** Gives the file input `input` a file, as the candidate's file picker would. */
  async setFile(input: WebElement, file: UploadFile) {
    const dir = fs.mkdtempSync(path.join(this.files, "f"));
    const where = path.join(dir, file.name);
    fs.writeFileSync(where, file.buffer);
    await input.sendKeys(where);
  }

  async screenshot(where: string) {
    fs.mkdirSync(path.dirname(where), { recursive: true });
    fs.writeFileSync(where, Buffer.from(await this.driver.takeScreenshot(), "base64"));
  }

  /** The cookies of the app's host (the API's session cookie among them: cookies do not
   * keep ports apart), as a Cookie header. */
  async cookieHeader(): Promise<string> {
    const cookies = await this.driver.manage().getCookies();
    return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  }
}

/** An XPath string literal for any text (XPath 1.0 has no escapes). */
function xpathString(text: string): string {
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  return `concat(${text.split('"').map((part) => `"${part}"`).join(`, '"', `)})`;
}

/** Playwright's runner with a WebKit page in place of its own browser: `wk` is a fresh
 * session per test, closed after it; a failed test leaves its screenshot beside the report. */
export const test = base.extend<{ wk: Wk }>({
  wk: async ({}, use, testInfo) => {
    const wk = await Wk.start();
    try {
      await use(wk);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        await wk.screenshot(testInfo.outputPath("webkit-failure.png")).catch(() => {});
      }
      await wk.quit();
    }
  },
});

export { expect };
