/*! Comments box: no build step, no dependencies. Its data-* and --cw-* options: README "Embed it". */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const config = script.dataset;
  const service = new URL(script.src).origin;
  const api = `${service}/api/v1/articles/${encodeURIComponent(config.articleId || "")}/comments`;
  const title = config.title || "Reader Comments";
  const every = Math.max(1, +config.pollSeconds || 30) * 1e3;

  // TRIM_CHARS of widget/moderation/text.py; a loop, as a regex is quadratic on long runs.
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
.cw{--bg:var(--cw-bg,#fff);--fg:var(--cw-text,#1f2328);--mute:var(--cw-muted,#59636e);
--acc:var(--cw-accent,#0b57d0);--on:var(--cw-accent-text,#fff);--line:var(--cw-border,#818b98);
--err:var(--cw-error,#b3261e);--r:var(--cw-radius,8px);
position:relative;line-height:1.5;color:var(--fg);background:var(--bg);
padding:1em;border-radius:var(--r)}
.dark{--bg:var(--cw-bg,#17191e);--fg:var(--cw-text,#e8eaed);--mute:var(--cw-muted,#aab2bd);
--acc:var(--cw-accent,#8ab4f8);--on:var(--cw-accent-text,#0b1d3a);--line:var(--cw-border,#7d8590);
--err:var(--cw-error,#ffb4ab);color-scheme:dark}
h2,h3{margin:0 0 .5em;line-height:1.25}h3{font-size:1.2em;margin-top:1.5em}
.n,time,.count,.note,.to,.gone{color:var(--mute)}
ol{list-style:none;margin:0;padding:0}
li{display:flex;gap:.75em;padding:.9em 0;border-top:1px solid var(--line)}
.avatar{flex:none;display:grid;place-items:center;width:2.5em;height:2.5em;border-radius:50%;
background:var(--acc);color:var(--on);font-weight:700}
.c{min-width:0;flex:1}p{margin:0}
.author{font-weight:700;margin-inline-end:.5em}time,.count,.note,.to{font-size:.875em}
.text{margin-top:.25em;white-space:pre-wrap;overflow-wrap:anywhere}
.gone{font-style:italic;margin-top:.25em}
label{display:block;font-weight:700;margin:1em 0 .25em}
input,textarea{box-sizing:border-box;width:100%;margin:0;padding:.5em;font:inherit;color:inherit;
background:var(--bg);border:1px solid var(--line);border-radius:var(--r)}
textarea{min-height:8em;resize:vertical}
[aria-invalid=true]{border:2px solid var(--err)}
.error,.bad{color:var(--err);font-weight:700}
button{font:inherit;font-weight:700;margin:1em .5em 0 0;padding:.5em 1.25em;cursor:pointer;
color:var(--on);background:var(--acc);border:2px solid var(--acc);border-radius:var(--r)}
.more,.x{color:var(--acc);background:none}
.x{margin:.5em .5em 0 0;padding:.15em .6em;font-weight:400;border-width:1px}
[aria-pressed=true]{color:var(--on);background:var(--acc)}
.closed .rp{display:none}
button:disabled{opacity:.5;cursor:not-allowed}
:focus-visible{outline:3px solid var(--acc);outline-offset:2px}
.status:not(:empty){margin-top:1em}
dialog{max-width:32em;color:var(--fg);background:var(--bg);border:1px solid var(--line);
border-radius:var(--r)}fieldset{border:0;padding:0}legend{font-weight:700}
.opt{font-weight:400;margin:.25em 0}.opt input{width:auto;margin-inline-end:.5em}
.sr,.trap{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
[hidden]{display:none}`;

  const el = (tag, className, content, properties) => {
    const node = Object.assign(document.createElement(tag), properties);
    if (className) node.className = className;
    node.append(...[content ?? []].flat());
    return node;
  };
  const btn = (text, onclick, className = "x") => el("button", className, text, { type: "button", onclick });
  const aim = (node) => {
    node.tabIndex = node.tabIndex;
    node.focus();
  };
  const say = (node, text, bad) => {
    node.textContent = text;
    node.className = bad ? "status bad" : "status";
  };
  const status = () => el("p", "status", null, { role: "status" });
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

  // fetch failed: a no-cors request that gets through means the service refuses this origin.
  const diagnose = (url) =>
    fetch(url, { mode: "no-cors", credentials: "omit" }).then(
      () =>
        `Comments cannot be posted here: this page's origin, ${location.origin}, is not allowed by ` +
        `the comments service. The publisher can add ${location.origin} to COMMENTS_ALLOWED_ORIGINS.`,
      () => `The comments service at ${service} cannot be reached. Please try again later.`,
    );
  const call = async (url, init) => {
    const response = await fetch(url, { credentials: "omit", ...init }).catch(async () => {
      throw new Error(await diagnose(url));
    });
    const data = await response.json().catch(() => ({}));
    return { status: response.status, data, headers: response.headers };
  };
  const send = (url, method, payload, token) =>
    call(url, {
      method,
      headers: { "Content-Type": "application/json", ...(token && { Authorization: `Bearer ${token}` }) },
      body: payload && JSON.stringify(payload),
    });
  const wrong = ({ status, data, headers }, doing = "posting") => {
    if (status === 429) {
      const seconds = Math.max(1, Number(data.retry_after || headers.get("Retry-After")) || 60);
      const wait = seconds < 120 ? plural(seconds, "second") : plural(Math.ceil(seconds / 60), "minute");
      return `You are ${doing} too quickly. Please try again in ${wait}.`;
    }
    return /^(not_author|edit_window)/.test(data.error)
      ? "This comment can no longer be changed: the time for changes is over, or someone has replied."
      : data.message || `The comments service answered with an error (${status}).`;
  };

  const store = (key, value) => {
    try {
      key = `comments-widget:${key}`;
      if (value === undefined) return localStorage.getItem(key);
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch {}
  };
  let voter;
  const me = () => {
    voter ||= store("voter") || crypto.getRandomValues(new Uint32Array(4)).join("-");
    store("voter", voter);
    return voter;
  };

  const darkScheme = matchMedia("(prefers-color-scheme: dark)");

  function box(host) {
    const root = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];

    const section = el("section", "cw");
    section.setAttribute("aria-labelledby", "heading");
    const heading = el("h2", "", title, { id: "heading" });
    let sort = "newest";
    const sorts = el("div", "", "Sort: ", { role: "group", ariaLabel: "Sort comments" });
    for (const label of ["Newest", "Oldest", "Top"]) {
      const button = btn(label, () => {
        sort = label.toLowerCase();
        for (const other of sorts.children) other.ariaPressed = other === button;
        reset();
        load();
      });
      button.ariaPressed = label === "Newest";
      sorts.append(button);
    }
    const fresh = el("div", "", null, { ariaLive: "polite" });
    const spoken = el("span", "sr");
    const news = btn("", () => {
      reset();
      render(polled);
      aim(list.firstChild || heading);
    }, "more");
    fresh.append(news, spoken);
    const list = el("ol");
    const state = el("p", "status", "Loading comments…");
    const more = btn("Show more comments", () => load(), "more");
    more.hidden = news.hidden = true;
    const dialog = el("dialog");
    dialog.setAttribute("aria-labelledby", "rt");
    section.append(heading, sorts, fresh, list, state, more, dialog);
    root.append(section);

    const paint = () =>
      section.classList.toggle("dark", config.theme === "dark" || (config.theme === "auto" && darkScheme.matches));
    paint();
    darkScheme.addEventListener("change", paint);

    let total = 0;
    let like = "Like";
    let cursor, loading, form, min, max, polled, seen;
    const count = (n) => {
      total = n;
      heading.replaceChildren(`${title} `, el("span", "n", `(${n})`));
      sorts.hidden = !n;
    };
    const at = (after) => (after ? `&cursor=${encodeURIComponent(after)}` : "");
    const url = (after) => api + (sort[0] !== "n" || after ? `?sort=${sort}${at(after)}` : "");

    const field = (parent, id, label, control, described) => {
      control.id = control.name = id;
      const error = el("p", "error", null, { id: `${id}-error` });
      Object.assign(control, { error, described });
      parent.append(el("label", "", label, { htmlFor: id }), error, control);
      fail(control, "");
      return control;
    };
    const fail = (control, message) => {
      const { error, described } = control;
      error.textContent = message;
      error.hidden = !message;
      control.ariaInvalid = !!message;
      control.setAttribute("aria-describedby", [message && error.id, described].filter(Boolean).join(" "));
    };
    const mark = (data, controls, tell) => {
      const fields = { ...data.fields };
      let first;
      for (const control of controls) {
        if (fields[control.name]) {
          fail(control, fields[control.name].join(" "));
          first ||= control;
          delete fields[control.name];
        }
      }
      tell([data.message || "Some fields need attention.", ...Object.values(fields).flat()].join(" "), true);
      return first;
    };
    const meter = (area, id) => {
      const counter = el("p", "count", null, { id, ariaHidden: true });
      const voice = el("p", "sr", null, { ariaLive: "polite" });
      area.after(counter, voice);
      let later = 0;
      return (speak) => {
        const length = size(area.value);
        const room = max - length;
        counter.textContent =
          length < min
            ? `${length}/${min}`
            : `${plural(Math.abs(room), "character")} ${room < 0 ? "too many" : "left"}`;
        counter.className = room < 0 ? "count bad" : "count";
        if (speak) {
          clearTimeout(later);
          later = setTimeout(() => {
            voice.textContent = length < min ? `${length} of at least ${min} characters` : counter.textContent;
          }, 1000);
        }
        return length >= min && room >= 0;
      };
    };
    const guard = (run, tell) => {
      let busy;
      return async (event) => {
        event?.preventDefault();
        if (busy) return;
        busy = true;
        try {
          await run();
        } catch (error) {
          tell(error.message, true);
        }
        busy = false;
      };
    };

    const item = (c, t, held) => {
      const li = el("li");
      const top = !t;
      t ||= { ol: el("ol"), n: c.reply_count || 0 };
      seen.add(c.id);
      const content = el("div", "c");
      const out = status();
      const tell = say.bind(0, out);
      if (c.deleted) {
        content.append(el("p", "gone", "This comment was removed."));
      } else {
        const when = new Date(c.created_at);
        const time = el("time", "", ago(when), { dateTime: c.created_at, title: absolute.format(when) });
        const avatar = el("span", "avatar", ([...trim(c.author)][0] || "?").toUpperCase(), { ariaHidden: true });
        const meta = el("p");
        // <bdi>: a right-to-left name never reorders the time.
        meta.append(el("bdi", "author", c.author), " ");
        if (c.reply_to) {
          meta.append(el("span", "to", ["replying to ", el("bdi", "", c.reply_to.author || "a removed comment"), " "]));
        }
        const edited = el("span", "to", c.edited_at && " (edited)");
        meta.append(time, edited);
        const text = el("p", "text", c.body);
        const acts = el("div", "acts");
        const act = (label, run) => acts.appendChild(btn(label, guard(run, tell)));
        content.append(meta, text);
        if (held) {
          content.append(el("p", "gone", "Awaiting moderation: only you can see this comment until it is approved."));
        } else {
          const reply = act("Reply", () => form.reply(c, t, reply, out));
          reply.classList.add("rp");
          const key = `like:${c.id}`;
          const liking = act("", async () => {
            const r = await send(`${api}/${c.id}/likes`, liking.ariaPressed === "true" ? "DELETE" : "POST", {
              voter: me(),
            });
            if (r.status !== 200) return tell(wrong(r, "liking"), true);
            liked(r.data.likes, r.data.liked);
            store(key, r.data.liked ? "1" : null);
          });
          const liked = (n, on) => {
            liking.textContent = `${like} ${n}`;
            liking.ariaPressed = on;
          };
          liked(c.likes || 0, !!store(key));
          const flag = act("Report", () => report(c, flag, tell));
        }
        const mine = JSON.parse(store(`edit:${c.id}`) || 0);
        const left = mine && Date.parse(mine.until) - Date.now();
        const drop = () => {
          change.remove();
          remove.remove();
          if (mine) store(`edit:${c.id}`, null);
        };
        const change = act("Edit", () => {
          const editor = el("form", "", null, { noValidate: true });
          const id = `e${c.id}`;
          const area = field(editor, id, "Edit your comment", el("textarea"), `k${id}`);
          area.name = "body";
          area.value = c.body;
          const check = meter(area, `k${id}`);
          const save = el("button", "", "Save");
          const back = () => {
            editor.replaceWith(text);
            acts.hidden = false;
            aim(change.isConnected ? change : li);
          };
          editor.append(save, btn("Cancel", back));
          (area.oninput = () => {
            fail(area, "");
            save.disabled = !check(true);
          })();
          editor.onsubmit = guard(async () => {
            const r = await send(`${api}/${c.id}`, "PATCH", { body: area.value }, mine.token);
            if (r.status === 422) return mark(r.data, [area], tell)?.focus();
            if (r.status > 202) {
              if (r.status === 403) drop();
              tell(wrong(r), true);
              return back();
            }
            c = r.data;
            text.textContent = c.body;
            edited.textContent = " (edited)";
            back();
            tell(r.status === 200 ? "Your changes are saved." : "Your changes await moderation.");
          }, tell);
          text.replaceWith(editor);
          acts.hidden = true;
          area.focus();
        });
        const remove = act("Delete", async () => {
          if (remove.textContent === "Delete") {
            remove.textContent = "Confirm delete";
            return tell("Press again to delete your comment.");
          }
          const r = await send(`${api}/${c.id}`, "DELETE", null, mine.token);
          if (r.status !== 204) {
            if (r.status === 403) drop();
            return tell(wrong(r), true);
          }
          drop();
          li.remove();
          if (!held) count(total - 1);
          t.n--;
          t.update();
          aim(heading);
          spoken.textContent = "Your comment was deleted.";
        });
        remove.onblur = () => (remove.textContent = "Delete");
        if (left > 0) setTimeout(drop, Math.min(left, 2e9));
        else drop();
        li.append(avatar);
        content.append(acts);
      }
      content.append(out);
      if (top) {
        const rest = btn("", guard(async () => {
          const r = await call(`${api}/${c.id}/replies?limit=100${at(t.after)}`);
          if (r.status !== 200) return tell(wrong(r, "loading"), true);
          const added = r.data.replies.filter((reply) => !seen.has(reply.id)).map((reply) => item(reply, t));
          const mine = t.ol.querySelector(".own"); // the reader's new replies stay last
          for (const reply of added) t.ol.insertBefore(reply, mine);
          if (!(t.after = r.data.next_cursor)) t.n = t.ol.children.length;
          t.update();
          if (rest.hidden && added[0]) aim(added[0]);
        }, tell), "more");
        t.update = () => {
          const left = t.n - t.ol.children.length;
          rest.hidden = left < 1;
          rest.textContent = `Show ${left} more ${left === 1 ? "reply" : "replies"}`;
        };
        t.ol.append(...(c.replies || []).map((reply) => item(reply, t)));
        t.update();
        content.append(t.ol, rest);
      }
      li.append(content);
      return li;
    };

    const render = (data) => {
      like = data.form?.like_label || like;
      const items = data.comments.map((c) => item(c));
      list.append(...items);
      count(data.total);
      cursor = data.next_cursor;
      news.hidden = true;
      say(state, list.children.length ? "" : "Be the first to comment.");
      more.hidden = !cursor;
      return items;
    };
    const reset = () => {
      form?.home();
      list.replaceChildren();
      seen = new Set();
      cursor = null;
    };
    reset();

    const load = async () => {
      if (loading) return;
      loading = true;
      try {
        const asked = url(cursor);
        const r = await call(asked);
        if (asked !== url(cursor)) {
          loading = false;
          return load();
        }
        if (r.status !== 200) throw new Error(wrong(r, "loading"));
        const focused = root.activeElement === more;
        const items = render(r.data);
        if (!cursor && focused && items.length) aim(items[0]);
        if (!form) {
          ({ min_length: min, max_length: max } = r.data.form);
          form = comments(r.data.form.token);
          setTimeout(poll, every);
        }
      } catch (error) {
        say(state, error.message, true);
      }
      loading = false;
    };

    // On screen, tab visible: revalidate page 1 (If-None-Match from the browser's cache).
    let wait = every;
    let onScreen;
    const started = Date.now();
    new IntersectionObserver(([entry]) => (onScreen = entry.isIntersecting)).observe(host);
    const poll = async () => {
      if (Date.now() - started > 18e5) return;
      if (onScreen && document.visibilityState === "visible") {
        wait = Math.min(wait * 2, 3e5);
        try {
          const r = await call(url(), { cache: "no-cache" });
          const n = r.status === 200 && r.data.total - total;
          if (n > 0) {
            polled = r.data;
            news.textContent = plural(n, "new comment");
            wait = every;
          }
          news.hidden = !(n > 0);
        } catch {}
      }
      setTimeout(poll, wait);
    };

    const close = () => {
      section.classList.add("closed");
      const closed = el("p", "status", "Comments are closed on this article.");
      form.replaceWith(closed);
      aim(closed);
    };

    let reporting;
    const paper = el("form", "", null, { noValidate: true });
    const reasons = el("fieldset", "", el("legend", "", "Reason"));
    const choices = [["spam", "Spam"], ["abuse", "Abuse"], ["off_topic", "Off topic"], ["illegal", "Illegal content"]];
    for (const [value, text] of choices) {
      reasons.append(el("label", "opt", [el("input", "", null, { type: "radio", name: "reason", value }), text]));
    }
    paper.append(el("h3", "", "Report this comment", { id: "rt" }), reasons);
    const details = field(paper, "details", "Details (required for illegal content)", el("textarea"));
    const legal = el("div");
    const email = field(legal, "email", "Your email, for the receipt", el("input"));
    email.type = email.autocomplete = "email";
    const answer = status();
    const tellReport = say.bind(0, answer);
    const sendReport = el("button", "", "Send");
    paper.append(legal, answer, sendReport, btn("Cancel", () => dialog.close()));
    dialog.append(paper);

    const reason = () => paper.elements.reason.value;
    paper.oninput = () => {
      const illegal = reason() === "illegal";
      legal.hidden = !illegal;
      sendReport.disabled = !reason() || (illegal && !(size(details.value) && trim(email.value)));
    };
    const report = (c, button, tell) => {
      reporting = { c, button, tell };
      paper.reset();
      fail(details, "");
      fail(email, "");
      tellReport("");
      paper.oninput();
      dialog.showModal();
    };
    dialog.onclose = () => reporting.button.focus();
    paper.onsubmit = guard(async () => {
      const r = await send(`${api}/${reporting.c.id}/reports`, "POST", {
        voter: me(),
        reason: reason(),
        details: details.value,
        ...(reason() === "illegal" && { email: email.value }),
      });
      if (r.status === 202) {
        dialog.close();
        reporting.tell("Thank you. The moderators will look at it.");
      } else if (r.status === 422) {
        mark(r.data, [details, email], tellReport)?.focus();
      } else {
        tellReport(wrong(r, "reporting"), true);
      }
    }, tellReport);

    function comments(token) {
      const form = el("form", "", null, { noValidate: true });
      const formTitle = el("h3");
      form.append(formTitle);
      let target;

      const author = field(form, "author", "Name", el("input"));
      author.autocomplete = "name";
      author.value = store("name") || "";
      const guidelines = config.guidelines || "Please keep comments respectful and on-topic.";
      const note = el("p", "note", guidelines, { id: "note" });
      const body = field(form, "body", "Comment", el("textarea"), "note counter");
      body.rows = 6;
      form.insertBefore(note, body.error);
      const counted = meter(body, "counter");

      // A honeypot: bots fill every field.
      const website = el("input", "", null, { name: "website", tabIndex: -1, autocomplete: "off" });
      const trap = el("label", "trap", ["Website", website], { ariaHidden: true });

      const message = el("p", "status", null, { ariaLive: "polite" });
      const button = el("button", "", "Post comment");
      const cancel = btn("Cancel", () => form.home(true));
      // Reply mails, after the buttons: the tab order stays Name, Comment, Post comment.
      const notify = el("input", "", null, { type: "checkbox" });
      const asked = el("div");
      const mail = field(asked, "mail", "Your email address", el("input"));
      mail.name = mail.type = mail.autocomplete = "email";
      mail.required = true;
      (mail.oninput = notify.onchange = () => {
        asked.hidden = !notify.checked;
        fail(mail, "");
      })();
      form.append(trap, message, button, cancel, el("label", "opt", [notify, "Email me when someone replies"]), asked);

      form.reply = (c, thread, opener, after) => {
        target = { c, thread, opener };
        formTitle.textContent = `Replying to ${c.author}`;
        cancel.hidden = false;
        after.after(form);
        body.focus();
      };
      (form.home = (focus) => {
        if (focus) target.opener.focus();
        target = null;
        formTitle.textContent = "Leave a Comment";
        cancel.hidden = true;
        section.append(form);
      })();

      // A token admits one post: fetch the next one past the cache (held posts keep the ETag).
      const renew = () =>
        call(api, { cache: "no-store" }).then(
          ({ data }) => (token = data.form?.token || token),
          () => {},
        );

      let busy = false;
      const tell = say.bind(0, message);
      const check = (speak) => {
        const fits = counted(speak);
        const name = size(author.value);
        button.disabled = busy || !name || name > 80 || !fits;
      };
      author.oninput = () => {
        const name = size(author.value);
        fail(author, name > 80 ? `Your name can be at most 80 characters (it has ${name}).` : "");
        check();
      };
      body.oninput = () => {
        fail(body, "");
        check(true);
      };
      check();

      form.onsubmit = async (event) => {
        event.preventDefault();
        check();
        if (button.disabled) return;
        const asks = notify.checked && { email: mail.value, notify_replies: true };
        if (asks && !mail.checkValidity()) {
          fail(mail, "Enter your email address, like name@example.com.");
          return mail.focus();
        }
        busy = true;
        button.disabled = true;
        tell("Posting your comment…");
        let focus = button;
        try {
          const thread = target?.thread;
          const r = await send(api, "POST", {
            author: author.value,
            body: body.value,
            token,
            website: website.value,
            ...(target && { parent_id: target.c.id }),
            ...asks,
          });
          const { status, data } = r;
          if (status === 201 || status === 202) {
            const renewed = renew();
            store("name", trim(author.value));
            if (data.edit_token) {
              store(`edit:${data.id}`, JSON.stringify({ token: data.edit_token, until: data.editable_until }));
            }
            body.value = "";
            focus = item(data, thread, status === 202);
            if (thread) {
              thread.ol.append(focus);
              focus.className = "own";
              thread.n++;
              form.home();
            } else {
              list.prepend(focus);
            }
            say(state, "");
            if (status === 201) count(total + 1);
            tell(
              (status === 201
                ? "Thank you. Your comment is published."
                : "Thank you. Your comment awaits moderation; only you can see it until it is approved.") +
                (asks ? " Check your inbox to confirm reply emails." : ""),
            );
            aim(focus);
            focus = 0;
            await renewed;
          } else if (status === 422) {
            focus = mark(data, [author, body, mail], tell) || focus;
          } else if (data.error === "comments_closed") {
            return close();
          } else {
            tell(wrong(r), true);
          }
        } catch (error) {
          tell(`Your comment could not be sent. ${error.message}`, true);
        } finally {
          busy = false;
          check();
        }
        if (focus === button && button.disabled) focus = body;
        if (focus && (focus !== button || !root.activeElement)) aim(focus);
      };
      return form;
    }

    setInterval(() => {
      for (const time of root.querySelectorAll("time")) time.textContent = ago(new Date(time.dateTime));
    }, 6e4);

    if (config.articleId) load();
    else say(state, "This comments box needs a data-article-id attribute on its script tag.", true);
  }

  const mount = () => {
    const target = config.container && document.querySelector(config.container);
    if (config.container && !target && document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", mount);
      return;
    }
    const host = el("div", "comments-widget");
    if (target) target.replaceChildren(host);
    else script.after(host);
    box(host);
  };
  mount();
})();
