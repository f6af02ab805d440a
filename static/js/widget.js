/*! Comments box. No framework, no build step, no dependencies.
 *
 * <script src="https://comments.example.com/static/js/widget.js"
 *         data-article-id="nk-missile-2025" async></script>
 *
 * data-article-id  required: which article's comments to show
 * data-container   CSS selector of the element to render into (default: after this tag)
 * data-theme       light (default), dark, or auto (follows the reader's system)
 * data-title       the heading (default "Reader Comments")
 * data-guidelines  the note under the Comment field
 *
 * Theme it from the page with these custom properties (on the box or any ancestor):
 * --cw-bg --cw-text --cw-muted --cw-accent --cw-accent-text --cw-border --cw-error
 * --cw-radius. The box inherits the page's font.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const config = script.dataset;
  const service = new URL(script.src).origin;
  const api = `${service}/api/v1/articles/${encodeURIComponent(config.articleId || "")}/comments`;
  const title = config.title || "Reader Comments";
  const NAME_KEY = "comments-widget:name";

  // Same characters as TRIM_CHARS in widget/moderation/text.py, and code points counted the
  // same way, so the counter never disagrees with the server.
  // A loop, not a regex: /[…]+$/ is quadratic on a long run of spaces.
  const TRIM = "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff";
  const trim = (text) => {
    let start = 0;
    let end = text.length;
    while (start < end && TRIM.includes(text[start])) start++;
    while (end > start && TRIM.includes(text[end - 1])) end--;
    return text.slice(start, end);
  };
  const size = (text) => [...trim(text)].length;

  const CSS = `
:host{display:block}
.cw{--bg:var(--cw-bg,#fff);--fg:var(--cw-text,#1f2328);--mute:var(--cw-muted,#59636e);
--acc:var(--cw-accent,#0b57d0);--on:var(--cw-accent-text,#fff);--line:var(--cw-border,#818b98);
--err:var(--cw-error,#b3261e);--r:var(--cw-radius,8px);
position:relative;font:inherit;line-height:1.5;color:var(--fg);background:var(--bg);
padding:1em;border-radius:var(--r)}
.dark{--bg:var(--cw-bg,#17191e);--fg:var(--cw-text,#e8eaed);--mute:var(--cw-muted,#aab2bd);
--acc:var(--cw-accent,#8ab4f8);--on:var(--cw-accent-text,#0b1d3a);--line:var(--cw-border,#7d8590);
--err:var(--cw-error,#ffb4ab);color-scheme:dark}
h2,h3{margin:0 0 .5em;line-height:1.25}h2{font-size:1.5em}h3{font-size:1.2em;margin-top:1.5em}
.n,time,.count,.note,.pending{color:var(--mute)}
ol{list-style:none;margin:0;padding:0}
li{display:flex;gap:.75em;padding:.9em 0;border-top:1px solid var(--line)}
.avatar{flex:none;display:grid;place-items:center;width:2.5em;height:2.5em;border-radius:50%;
background:var(--acc);color:var(--on);font-weight:700}
.c{min-width:0}p{margin:0}
.author{font-weight:700;margin-inline-end:.5em}time,.count,.note,.pending{font-size:.875em}
.text{margin-top:.25em;white-space:pre-wrap;overflow-wrap:anywhere}
.pending{font-style:italic;margin-top:.25em}
label{display:block;font-weight:700;margin:1em 0 .25em}
input,textarea{box-sizing:border-box;width:100%;margin:0;padding:.5em;font:inherit;color:inherit;
background:var(--bg);border:1px solid var(--line);border-radius:var(--r)}
textarea{min-height:8em;resize:vertical}
[aria-invalid=true]{border:2px solid var(--err)}
.error,.bad{color:var(--err);font-weight:700}
button{font:inherit;font-weight:700;margin-top:1em;padding:.5em 1.25em;cursor:pointer;
color:var(--on);background:var(--acc);border:2px solid var(--acc);border-radius:var(--r)}
.more{color:var(--acc);background:none}
button:disabled{opacity:.5;cursor:not-allowed}
:focus-visible{outline:3px solid var(--acc);outline-offset:2px}
.status{margin-top:1em}
.sr,.trap{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
[hidden]{display:none}`;

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  };
  const set = (node, attributes) => {
    for (const name in attributes) node.setAttribute(name, attributes[name]);
    return node;
  };
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? "" : "s"}`;

  const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeStyle: "short" });
  const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const ago = (date) => {
    let amount = Math.min(0, (date - Date.now()) / 1000);
    if (amount > -45) return "just now";
    for (const [unit, per] of [["second", 60], ["minute", 60], ["hour", 24], ["day", 30], ["month", 12]]) {
      if (-amount < per) return relative.format(Math.round(amount), unit);
      amount /= per;
    }
    return relative.format(Math.round(amount), "year");
  };

  // A CORS refusal and a network failure both reject fetch with a TypeError. A
  // no-cors request is never refused for CORS, so if one gets through, the
  // service is up and it is this page's origin that it does not allow (every
  // page may read; posting takes a listed origin).
  const diagnose = (url) =>
    fetch(url, { mode: "no-cors", credentials: "omit" }).then(
      () =>
        `Comments cannot be posted here: this page's origin, ${location.origin}, is not allowed by ` +
        `the comments service. The publisher can add ${location.origin} to COMMENTS_ALLOWED_ORIGINS.`,
      () => `The comments service at ${service} cannot be reached. Please try again later.`,
    );

  // Resolves with {status, data, headers}; rejects with an Error worded for people.
  const call = async (url, init) => {
    let response;
    try {
      response = await fetch(url, { credentials: "omit", ...init });
    } catch {
      throw new Error(await diagnose(url));
    }
    const data = await response.json().catch(() => ({}));
    return { status: response.status, data, headers: response.headers };
  };

  const storage = (value) => {
    try {
      if (value == null) return localStorage.getItem(NAME_KEY) || "";
      localStorage.setItem(NAME_KEY, value);
    } catch {
      return ""; // storage disabled or full: the name is simply not remembered
    }
  };

  const darkScheme = matchMedia("(prefers-color-scheme: dark)");

  function box(host) {
    const root = host.attachShadow({ mode: "open" });
    if (root.adoptedStyleSheets && CSSStyleSheet.prototype.replaceSync) {
      const sheet = new CSSStyleSheet(); // allowed under a strict style-src CSP
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el("style", "", CSS));
    }

    const section = set(el("section", "cw"), { "aria-labelledby": "heading" });
    const heading = el("h2", "", title);
    heading.id = "heading";
    const list = el("ol");
    const state = el("p", "status", "Loading comments…");
    const more = el("button", "more", "Show more comments");
    more.type = "button";
    more.hidden = true;
    section.append(heading, list, state, more);
    root.append(section);

    const paint = () =>
      section.classList.toggle(
        "dark",
        config.theme === "dark" || (config.theme === "auto" && darkScheme.matches),
      );
    paint();
    darkScheme.addEventListener("change", paint);

    let total = 0;
    let cursor = null;
    let loading = false;
    let form = null;
    const count = (n) => {
      total = n;
      heading.textContent = `${title} `;
      heading.append(el("span", "n", `(${n})`));
    };

    const item = (comment, pending) => {
      const li = el("li");
      const when = new Date(comment.created_at);
      const time = el("time", "", ago(when));
      time.dateTime = comment.created_at;
      time.title = absolute.format(when);
      const avatar = set(el("span", "avatar", ([...trim(comment.author)][0] || "?").toUpperCase()), {
        "aria-hidden": "true",
      });
      const meta = el("p");
      // <bdi>: a name written right to left (or with overrides) never reorders the time.
      meta.append(el("bdi", "author", comment.author), " ", time);
      const content = el("div", "c");
      content.append(meta, el("p", "text", comment.body));
      if (pending) {
        content.append(
          el("p", "pending", "Awaiting moderation: only you can see this comment until it is approved."),
        );
      }
      li.append(avatar, content);
      return li;
    };

    const load = async () => {
      if (loading) return;
      loading = true;
      try {
        const { status, data } = await call(cursor ? `${api}?cursor=${encodeURIComponent(cursor)}` : api);
        if (status !== 200) {
          throw new Error(data.message || `The comments service answered with an error (${status}).`);
        }
        const items = data.comments.map((comment) => item(comment));
        list.append(...items);
        count(data.total);
        cursor = data.next_cursor;
        state.textContent = list.children.length ? "" : "Be the first to comment.";
        state.className = "status";
        if (!cursor && root.activeElement === more && items.length) {
          items[0].tabIndex = -1; // the button goes away: keep the reader's place
          items[0].focus();
        }
        more.hidden = !cursor;
        if (!form) {
          form = comments(data.form);
          section.append(form);
          if (data.closed) close();
        }
      } catch (error) {
        state.textContent = error.message;
        state.className = "status bad";
      }
      loading = false;
    };
    more.addEventListener("click", load);

    const close = () => {
      const closed = el("p", "status", "Comments are closed on this article.");
      closed.tabIndex = -1;
      form.replaceWith(closed);
      closed.focus();
    };

    // The "Leave a Comment" form, once the service has said what it accepts.
    function comments({ min_length: min, max_length: max, token }) {
      const form = el("form");
      form.noValidate = true;
      form.append(el("h3", "", "Leave a Comment"));
      const errors = new Map();

      const field = (id, label, control, described) => {
        control.id = id;
        control.name = id;
        const error = el("p", "error");
        error.id = `${id}-error`;
        error.hidden = true;
        errors.set(control, { error, described });
        const labelled = el("label", "", label);
        labelled.htmlFor = id;
        form.append(labelled, error, control);
        if (described) set(control, { "aria-describedby": described });
        return control;
      };
      const fail = (control, message) => {
        const { error, described } = errors.get(control);
        error.textContent = message;
        error.hidden = !message;
        set(control, {
          "aria-invalid": String(!!message),
          "aria-describedby": [message && error.id, described].filter(Boolean).join(" "),
        });
      };

      const author = field("author", "Name", el("input"));
      author.autocomplete = "name";
      author.value = storage();
      const note = el("p", "note", config.guidelines || "Please keep comments respectful and on-topic.");
      note.id = "note";
      const counter = set(el("p", "count"), { "aria-hidden": "true" });
      counter.id = "counter";
      const body = field("body", "Comment", el("textarea"), "note counter");
      body.rows = 6;
      form.insertBefore(note, errors.get(body).error);
      const spoken = set(el("p", "sr"), { "aria-live": "polite" });
      form.append(counter, spoken);

      // Bots fill every field; people never see this one.
      const trap = set(el("div", "trap"), { "aria-hidden": "true" });
      const website = set(el("input"), { name: "website", id: "website", tabindex: "-1", autocomplete: "off" });
      const trapLabel = el("label", "", "Website");
      trapLabel.htmlFor = "website";
      trap.append(trapLabel, website);

      const message = set(el("p", "status"), { "aria-live": "polite" });
      const button = el("button", "", "Post comment");
      button.type = "submit";
      form.append(trap, message, button);

      // A token admits one post: after each stored one, fetch a fresh token for
      // the reader's next comment, past the browser's cache (a held comment
      // leaves the listing's ETag as it was, and a 304 would bring the old token).
      const renew = () =>
        call(api, { cache: "no-store" }).then(
          ({ status, data }) => {
            if (status === 200 && data.form) token = data.form.token;
          },
          () => {}, // unreachable now: the next post is held, not lost
        );

      let busy = false;
      let speakLater = 0;
      const say = (text, bad) => {
        message.textContent = text;
        message.className = bad ? "status bad" : "status";
      };
      const check = (speak) => {
        const length = size(body.value);
        const room = max - length;
        counter.textContent =
          length < min
            ? `${length}/${min}`
            : `${plural(Math.abs(room), "character")} ${room < 0 ? "too many" : "left"}`;
        counter.className = room < 0 ? "count bad" : "count";
        if (speak) {
          clearTimeout(speakLater); // a debounced region: speak when the reader pauses
          speakLater = setTimeout(() => {
            spoken.textContent = length < min ? `${length} of at least ${min} characters` : counter.textContent;
          }, 1000);
        }
        const name = size(author.value);
        button.disabled = busy || !name || name > 80 || length < min || room < 0;
      };
      author.addEventListener("input", () => {
        const name = size(author.value);
        fail(author, name > 80 ? `Your name can be at most 80 characters (it has ${name}).` : "");
        check();
      });
      body.addEventListener("input", () => {
        fail(body, "");
        check(true);
      });
      check();

      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        check();
        if (button.disabled) return;
        busy = true;
        button.disabled = true;
        say("Posting your comment…");
        let focus = button;
        try {
          const { status, data, headers } = await call(api, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ author: author.value, body: body.value, token, website: website.value }),
          });
          if (status === 201 || status === 202) {
            const renewed = renew();
            storage(trim(author.value));
            body.value = "";
            const li = item(data, status === 202);
            li.tabIndex = -1;
            list.prepend(li);
            state.textContent = "";
            if (status === 201) count(total + 1);
            say(
              status === 201
                ? "Thank you. Your comment is published."
                : "Thank you. Your comment awaits moderation; only you can see it until it is approved.",
            );
            focus = li;
            await renewed; // the button waits for the token of the next comment
          } else if (status === 422) {
            const fields = data.fields || {};
            const others = [];
            for (const [name, messages] of Object.entries(fields)) {
              if (name !== "author" && name !== "body") others.push(...messages);
            }
            for (const control of [body, author].filter((control) => fields[control.name])) {
              fail(control, fields[control.name].join(" "));
              focus = control;
            }
            say([data.message || "Some fields need attention.", ...others].join(" "), true);
          } else if (status === 429) {
            const seconds = Math.max(1, Number(data.retry_after || headers.get("Retry-After")) || 60);
            const wait = seconds < 120 ? plural(seconds, "second") : plural(Math.ceil(seconds / 60), "minute");
            say(`You are posting too quickly. Please try again in ${wait}.`, true);
          } else if (data.error === "comments_closed") {
            close();
            return;
          } else {
            say(data.message || `Your comment could not be posted (error ${status}).`, true);
          }
        } catch (error) {
          say(`Your comment could not be sent. ${error.message}`, true);
        } finally {
          busy = false;
          check();
        }
        // A button disabled mid-flight loses focus: put it somewhere useful.
        if (focus === button && button.disabled) focus = body;
        if (focus !== button || !root.activeElement) focus.focus();
      });
      return form;
    }

    setInterval(() => {
      for (const time of root.querySelectorAll("time")) time.textContent = ago(new Date(time.dateTime));
    }, 60000);

    if (!config.articleId) {
      state.textContent = "This comments box needs a data-article-id attribute on its script tag.";
      state.className = "status bad";
    } else {
      load();
    }
  }

  const mount = () => {
    const target = config.container && document.querySelector(config.container);
    if (config.container && !target && document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", mount, { once: true });
      return;
    }
    const host = el("div", "comments-widget");
    if (target) target.replaceChildren(host);
    else script.after(host);
    box(host);
  };
  mount();
})();
