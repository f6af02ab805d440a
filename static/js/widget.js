/*! Comments box, no build step. Options: README "Embed it". */
(() => {
"use strict";
const script = document.currentScript;
if (!script) return;
const config = script.dataset;
const sso = config.sso;
const service = new URL(script.src).origin;
const api = `${service}/api/v1/articles/${encodeURIComponent(config.articleId || "")}/comments`;
const every = Math.max(1, +config.pollSeconds || 30) * 1e3;

// Texts: static/i18n/<tag>.json. Change one, change V.
const V = "58763bb9";
const T = {};

const base = (tag) => tag.split("-")[0].toLowerCase();
let lang;
for (const asked of [config.lang, document.documentElement.lang, ...navigator.languages])
  lang ||= asked && "en hi de fr es it pt-BR nl pl ja ko ar".split(" ").find((tag) => base(tag) == base(asked));
let plurals, number, relative, absolute;
const strings = (tag) => fetch(`${service}/static/i18n/${tag}.json?v=${V}`).then((r) => r.json());
const words = strings((lang ||= "en"))
  .catch(() => strings((lang = "en")))
  .then((texts) => {
    Object.assign(T, texts);
    plurals = new Intl.PluralRules(lang);
    number = new Intl.NumberFormat(lang).format;
    relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    absolute = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" });
  });
// Intl loads the locale at first use (30+ ms): now, in two short tasks.
setTimeout(() => new Intl.Locale(lang).maximize());
setTimeout(() => Intl.NumberFormat(lang));
const t = (key, v = {}) => {
  let text = T[key];
  if (text.other) text = text[plurals.select(v.n)] || text.other;
  return text.replace(/#|\{(\w+)\}/g, (_, name) => (name ? v[name] : number(v.n)));
};

// text.py's TRIM_CHARS; a loop, as a regex is quadratic on long runs.
const TRIM = /[\t-\r \x85\xa0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]/;
const trim = (text) => {
  let start = 0;
  let end = text.length;
  while (start < end && TRIM.test(text[start])) start++;
  while (end > start && TRIM.test(text[end - 1])) end--;
  return text.slice(start, end);
};
const size = (text) => [...trim(text)].length;

const CSS = `
.cw{--bg:var(--cw-bg,#fff);--fg:var(--cw-text,#1f2328);--mute:var(--cw-muted,#59636e);--acc:var(--cw-accent,#0b57d0);
--on:var(--cw-accent-text,#fff);--line:var(--cw-border,#818b98);--err:var(--cw-error,#b3261e);--r:var(--cw-radius,8px);
position:relative;line-height:1.5;color:var(--fg);background:var(--bg);padding:1em;border-radius:var(--r)}
.dark{--bg:var(--cw-bg,#17191e);--fg:var(--cw-text,#e8eaed);--mute:var(--cw-muted,#aab2bd);--acc:var(--cw-accent,#8ab4f8);
--on:var(--cw-accent-text,#0b1d3a);--line:var(--cw-border,#7d8590);--err:var(--cw-error,#ffb4ab);color-scheme:dark}
h2,h3{margin:0 0 .5em;line-height:1.25}h3{font-size:1.2em;margin-top:1.5em}
.n,time,.count,.note,.to,.gone{color:var(--mute)}time,.count,.note,.to,.b{font-size:.875em}
ol{list-style:none;margin:0;padding:0}li{display:flex;gap:.75em;padding:.9em 0;border-top:1px solid var(--line)}
.avatar{flex:none;display:grid;place-items:center;width:2.5em;height:2.5em;border-radius:50%;background:var(--acc);
color:var(--on);font-weight:700}.c{min-width:0;flex:1}p{margin:0}
.author,.b{font-weight:700;margin-inline-end:.5em}.b{border:1px solid;border-radius:1em;padding:0 .5em}
.text{margin-top:.25em;white-space:pre-wrap;overflow-wrap:anywhere}.gone{font-style:italic;margin-top:.25em}
label{display:block;font-weight:700;margin:1em 0 .25em}
input,textarea{box-sizing:border-box;width:100%;margin:0;padding:.5em;font:inherit}
input,textarea,dialog{color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:var(--r)}textarea{min-height:8em;resize:vertical}
[aria-invalid=true]{border:2px solid var(--err)}.error,.bad{color:var(--err);font-weight:700}
button{font:inherit;font-weight:700;margin:1em 0 0;margin-inline-end:.5em;padding:.5em 1.25em;cursor:pointer;
color:var(--on);background:var(--acc);border:2px solid var(--acc);border-radius:var(--r)}
.more,.x{color:var(--acc);background:none}.x{margin-top:.5em;padding:.15em .6em;font-weight:400;border-width:1px}
[aria-pressed=true]{color:var(--on);background:var(--acc)}.closed .rp,[hidden]{display:none}
button:disabled{opacity:.5;cursor:not-allowed}:focus-visible{outline:3px solid var(--acc);outline-offset:2px}
.status:not(:empty){margin-top:1em}a{color:var(--acc)}
dialog{max-width:32em}
fieldset{border:0;padding:0}legend{font-weight:700}.opt{font-weight:400;margin:.25em 0}
.opt input{width:auto;margin-inline-end:.5em}
.sr,.trap{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}`;

const el = (tag, className, content, properties) => {
  const node = Object.assign(document.createElement(tag), properties);
  if (className) node.className = className;
  node.append(...[content ?? []].flat());
  return node;
};
const btn = (text, onclick, className = "x") => el("button", className, text, { type: "button", onclick });
const aim = (node) => {
  node.tabIndex = node.tabIndex; // focusable
  node.focus();
};
const say = (node, text, bad) => {
  node.textContent = text;
  node.className = bad ? "status bad" : "status";
};
const status = () => el("p", "status", null, { role: "status" });

const ago = (date) => {
  let amount = Math.min(0, (date - Date.now()) / 1000);
  if (amount > -45) return T.now;
  for (const [unit, per] of [["second", 60], ["minute", 60], ["hour", 24], ["day", 30], ["month", 12]]) {
    if (-amount < per) return relative.format(Math.round(amount), unit);
    amount /= per;
  }
  return relative.format(Math.round(amount), "year");
};

// If no-cors gets through, the service refuses this origin.
const diagnose = (url) =>
  words.then(() => fetch(url, { mode: "no-cors", credentials: "omit" })).then(
    () => t("orig", { origin: location.origin }),
    () => t("down", { service }),
  );
const call = async (url, init = {}) => {
  init.headers = { "Accept-Language": lang, ...init.headers };
  const response = await fetch(url, { credentials: "omit", ...init }).catch(async () => {
    throw new Error(await diagnose(url));
  });
  return { status: response.status, data: await response.json().catch(() => ({})) };
};
const send = (url, method, payload, token) =>
  call(url, {
    method,
    headers: { "Content-Type": "application/json", ...(token && { Authorization: `Bearer ${token}` }) },
    body: payload && JSON.stringify(payload),
  });
const wrong = ({ status, data }) =>
  ({ not_author: T.lock, sso_invalid: T.exp })[data.error] || data.message || t("err", { n: status });

// The first page loads beside the texts.
let early = config.articleId && call(api);
early?.catch(() => {});

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
let who = "";
try {
  who = `${JSON.parse(decodeURIComponent(escape(atob(sso.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))))).name}`;
} catch {}

const darkScheme = matchMedia("(prefers-color-scheme: dark)");

function box(host, ready) {
const root = host.attachShadow({ mode: "open" });
const sheet = new CSSStyleSheet();
sheet.replaceSync(CSS);
root.adoptedStyleSheets = [sheet];

const title = config.title || T.head;
const section = el("section", "cw", null, { lang, dir: lang == "ar" ? "rtl" : "ltr" });
section.setAttribute("aria-labelledby", "heading");
const heading = el("h2", "", title, { id: "heading" });
let sort = "newest";
const sorts = el("div", "", `${T.sort} `, { role: "group", ariaLabel: T.sgrp });
for (const key of ["newest", "oldest", "top"]) {
  const button = btn(T[key.slice(0, 3)], () => {
    sort = key;
    for (const other of sorts.children) other.ariaPressed = other == button;
    reset();
    load();
  });
  button.ariaPressed = key == sort;
  sorts.append(button);
}
const spoken = el("span", "sr");
const news = btn("", () => {
  reset();
  render(polled);
  aim(list.firstChild || heading);
}, "more");
const list = el("ol");
const state = el("p", "status", T.load);
const more = btn(T.more, () => load(), "more");
more.hidden = news.hidden = true;
const dialog = el("dialog");
dialog.setAttribute("aria-labelledby", "rt");
section.append(heading, sorts, el("div", "", [news, spoken], { ariaLive: "polite" }), list, state, more, dialog);
root.append(section);

const paint = () =>
  section.classList.toggle("dark", config.theme == "dark" || (config.theme == "auto" && darkScheme.matches));
paint();
darkScheme.addEventListener("change", paint);

let total = 0;
let like, cursor, loading, form, min, max, polled, seen;
const count = (n) => {
  total = n;
  heading.replaceChildren(`${title} `, el("span", "n", `(${number(n)})`));
  sorts.hidden = !n;
};
const at = (after) => (after ? `&cursor=${encodeURIComponent(after)}` : "");
const url = (after) => api + (sort[0] != "n" || after ? `?sort=${sort}${at(after)}` : "");

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
  tell([data.message, ...Object.values(fields).flat()].join(" "), true);
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
      length < min ? `${number(length)}/${number(min)}` : t(room < 0 ? "over" : "left", { n: Math.abs(room) });
    counter.className = room < 0 ? "count bad" : "count";
    if (speak) {
      clearTimeout(later);
      later = setTimeout(() => {
        voice.textContent = length < min ? t("min", { n: min, count: number(length) }) : counter.textContent;
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
    await run().catch((error) => tell(error.message, true));
    busy = false;
  };
};
const bdi = (className, text) => el("bdi", className, text, { dir: "auto" });

const item = (c, th, held) => {
  const li = el("li");
  const top = !th;
  th ||= { ol: el("ol"), n: c.reply_count || 0 };
  seen.add(c.id);
  const content = el("div", "c");
  const out = status();
  const tell = say.bind(0, out);
  if (c.deleted) content.append(el("p", "gone", T.rmvd));
  else {
    const when = new Date(c.created_at);
    const meta = el("p", "", [bdi("author", c.author), " "]);
    if (c.verified) meta.append(el("span", "b", c.staff ? T.stf : T.ver));
    if (c.reply_to) {
      const [before, after] = T.to.split("{name}");
      meta.append(el("span", "to", [before, bdi("", c.reply_to.author || T.gone), `${after} `]));
    }
    const edited = el("span", "to", c.edited_at && ` ${T.edtd}`);
    meta.append(el("time", "", ago(when), { dateTime: c.created_at, title: absolute.format(when) }), edited);
    const text = el("p", "text", c.body, { dir: "auto" });
    const acts = el("div", "acts");
    const act = (label, run) => acts.appendChild(btn(label, guard(run, tell)));
    content.append(meta, text);
    if (held) content.append(el("p", "gone", T.held));
    else {
      const reply = act(T.rep, async () => form.reply(c, th, reply, out));
      reply.classList.add("rp");
      const key = `like:${c.id}`;
      const liking = act("", async () => {
        const r = await send(`${api}/${c.id}/likes`, liking.ariaPressed == "true" ? "DELETE" : "POST", { voter: me() }, sso);
        if (r.status != 200) return tell(wrong(r), true);
        liked(r.data.likes, r.data.liked);
        store(key, r.data.liked ? "1" : null);
      });
      const liked = (n, on) => {
        liking.textContent = `${like} ${number(n)}`;
        liking.ariaPressed = on;
      };
      liked(c.likes || 0, !!store(key));
      const flag = act(T.rpt, async () => report(c, flag, tell));
    }
    const mine = JSON.parse(store(`edit:${c.id}`) || 0);
    const left = mine && Date.parse(mine.until) - Date.now();
    const drop = () => {
      change.remove();
      remove.remove();
      if (mine) store(`edit:${c.id}`, null);
    };
    const change = act(T.edit, async () => {
      const editor = el("form", "", null, { noValidate: true });
      const id = `e${c.id}`;
      const area = field(editor, id, T.elab, el("textarea"), `k${id}`);
      area.name = "body";
      area.value = c.body;
      const check = meter(area, `k${id}`);
      const save = el("button", "", T.save);
      const back = () => {
        editor.replaceWith(text);
        acts.hidden = false;
        aim(change.isConnected ? change : li);
      };
      editor.append(save, btn(T.cncl, back));
      (area.oninput = () => {
        fail(area, "");
        save.disabled = !check(true);
      })();
      editor.onsubmit = guard(async () => {
        const r = await send(`${api}/${c.id}`, "PATCH", { body: area.value }, mine.token);
        if (r.status == 422) return mark(r.data, [area], tell)?.focus();
        if (r.status > 202) {
          if (r.status == 403) drop();
          tell(wrong(r), true);
          return back();
        }
        c = r.data;
        text.textContent = c.body;
        edited.textContent = ` ${T.edtd}`;
        back();
        tell(r.status == 200 ? T.svd : T.rvw);
      }, tell);
      text.replaceWith(editor);
      acts.hidden = true;
      area.focus();
    });
    const remove = act(T.del, async () => {
      if (remove.textContent == T.del) {
        remove.textContent = T.cdel;
        return tell(T.agn);
      }
      const r = await send(`${api}/${c.id}`, "DELETE", null, mine.token);
      if (r.status != 204) {
        if (r.status == 403) drop();
        return tell(wrong(r), true);
      }
      drop();
      li.remove();
      if (!held) count(total - 1);
      th.n--;
      th.update();
      aim(heading);
      spoken.textContent = T.dltd;
    });
    remove.onblur = () => (remove.textContent = T.del);
    if (left > 0) setTimeout(drop, Math.min(left, 2e9));
    else drop();
    li.append(el("span", "avatar", ([...trim(c.author)][0] || "?").toUpperCase(), { ariaHidden: true }));
    content.append(acts);
  }
  content.append(out);
  if (top) {
    const rest = btn("", guard(async () => {
      const r = await call(`${api}/${c.id}/replies?limit=100${at(th.after)}`);
      if (r.status != 200) return tell(wrong(r), true);
      const added = r.data.replies.filter((reply) => !seen.has(reply.id)).map((reply) => item(reply, th));
      const mine = th.ol.querySelector(".own");
      for (const reply of added) th.ol.insertBefore(reply, mine);
      if (!(th.after = r.data.next_cursor)) th.n = th.ol.children.length;
      th.update();
      if (rest.hidden && added[0]) aim(added[0]);
    }, tell), "more");
    th.update = () => {
      const n = th.n - th.ol.children.length;
      rest.hidden = n < 1;
      rest.textContent = n > 0 ? t("reps", { n }) : "";
    };
    th.ol.append(...(c.replies || []).map((reply) => item(reply, th)));
    th.update();
    content.append(th.ol, rest);
  }
  li.append(content);
  return li;
};

const render = (data) => {
  const label = data.form?.like_label;
  like = label && label != "Like" ? label : T.like;
  const items = data.comments.map((c) => item(c));
  list.append(...items);
  count(data.total);
  cursor = data.next_cursor;
  news.hidden = true;
  say(state, list.children.length ? "" : T.none);
  more.hidden = !cursor;
  return items;
};
const reset = () => {
  form?.home?.();
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
    const r = await ((asked == api && early) || call(asked));
    early = 0;
    if (asked != url(cursor)) {
      loading = false;
      return load();
    }
    if (r.status != 200) throw new Error(wrong(r));
    const focused = root.activeElement == more;
    const items = render(r.data);
    if (!cursor && focused && items.length) aim(items[0]);
    if (!form) {
      ({ min_length: min, max_length: max } = r.data.form);
      if (r.data.form.login_required && !sso) close(signin());
      else form = comments(r.data.form.token);
      setTimeout(poll, every);
      ready?.();
    }
  } catch (error) {
    say(state, error.message, true);
  }
  loading = false;
};

let wait = every;
let onScreen;
const started = Date.now();
new IntersectionObserver(([entry]) => (onScreen = entry.isIntersecting)).observe(host);
const poll = async () => {
  if (Date.now() - started > 18e5) return;
  if (onScreen && document.visibilityState == "visible") {
    wait = Math.min(wait * 2, 3e5);
    try {
      const r = await call(url(), { cache: "no-cache" });
      const n = r.status == 200 && r.data.total - total;
      if (n > 0) {
        polled = r.data;
        news.textContent = t("news", { n });
        wait = every;
      }
      news.hidden = !(n > 0);
    } catch {}
  }
  setTimeout(poll, wait);
};

const signin = () => {
  let link;
  try {
    link = new URL(config.loginUrl, location);
  } catch {}
  return el("p", "status", /^https?:$/.test(link?.protocol) ? el("a", "", T.lgin, { href: link }) : T.lgin); // never javascript:
};
const close = (node) => {
  section.classList.add("closed");
  if (form) {
    form.replaceWith(node);
    aim(node);
  } else section.append(node);
  form = node;
};

let reporting;
const paper = el("form", "", null, { noValidate: true });
const reasons = el("fieldset", "", el("legend", "", T.why));
for (const value of ["spam", "abuse", "off_topic", "illegal"])
  reasons.append(el("label", "opt", [el("input", "", null, { type: "radio", name: "reason", value }), T[value.slice(0, 3)]]));
paper.append(el("h3", "", T.flag, { id: "rt" }), reasons);
const details = field(paper, "details", T.dets, el("textarea"));
const legal = el("div");
const email = field(legal, "email", T.rcpt, el("input"));
email.type = email.autocomplete = "email";
const answer = status();
const tellReport = say.bind(0, answer);
const sendReport = el("button", "", T.send);
paper.append(legal, answer, sendReport, btn(T.cncl, () => dialog.close()));
dialog.append(paper);

const reason = () => paper.elements.reason.value;
paper.oninput = () => {
  const illegal = reason() == "illegal";
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
  const illegal = reason() == "illegal" && { email: email.value };
  const r = await send(`${api}/${reporting.c.id}/reports`, "POST", { voter: me(), reason: reason(), details: details.value, ...illegal }, sso);
  if (r.status == 202) {
    dialog.close();
    reporting.tell(`${T.ty} ${T.mods}`);
  } else if (r.status == 422) mark(r.data, [details, email], tellReport)?.focus();
  else tellReport(wrong(r), true);
}, tellReport);

function comments(token) {
  const form = el("form", "", null, { noValidate: true });
  const formTitle = el("h3");
  form.append(formTitle);
  let target;
  const author = sso ? { value: who } : field(form, "author", T.name, el("input"));
  if (sso) form.append(el("p", "note", t("as", { name: who })));
  author.autocomplete = "name";
  author.value ||= store("name") || "";
  const note = el("p", "note", config.guidelines || T.rule, { id: "note" });
  const body = field(form, "body", T.body, el("textarea"), "note counter");
  body.rows = 6;
  form.insertBefore(note, body.error);
  const counted = meter(body, "counter");
  const website = el("input", "", null, { name: "website", tabIndex: -1, autocomplete: "off" });
  const message = el("p", "status", null, { ariaLive: "polite" });
  const button = el("button", "", T.post);
  const cancel = btn(T.cncl, () => form.home(true));
  const notify = el("input", "", null, { type: "checkbox" });
  const asked = el("div");
  const mail = field(asked, "mail", T.mail, el("input"));
  mail.name = mail.type = mail.autocomplete = "email";
  mail.required = true;
  (mail.oninput = notify.onchange = () => {
    asked.hidden = !notify.checked;
    fail(mail, "");
  })();
  form.append(el("label", "trap", ["Website", website], { ariaHidden: true }), message, button, cancel);
  form.append(el("label", "opt", [notify, T.ntfy]), asked);

  form.reply = (c, thread, opener, after) => {
    target = { c, thread, opener };
    formTitle.textContent = t("rto", { name: c.author });
    cancel.hidden = false;
    after.after(form);
    body.focus();
  };
  (form.home = (focus) => {
    if (focus) target.opener.focus();
    target = null;
    formTitle.textContent = T.add;
    cancel.hidden = true;
    section.append(form);
  })();

  // One post per token: get the next past the cache.
  const renew = () => call(api, { cache: "no-store" }).then(({ data }) => (token = data.form?.token || token), () => {});

  let busy = false;
  const tell = say.bind(0, message);
  const check = (speak) => {
    const fits = counted(speak);
    const name = size(author.value);
    button.disabled = busy || !name || name > 80 || !fits;
  };
  author.oninput = () => {
    const n = size(author.value);
    fail(author, n > 80 ? t("long", { n }) : "");
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
      fail(mail, T.addr);
      return mail.focus();
    }
    busy = button.disabled = true;
    tell(T.psng);
    let focus = button;
    try {
      const thread = target?.thread;
      const parent = target && { parent_id: target.c.id };
      const r = await send(api, "POST", { author: author.value, body: body.value, token, website: website.value, ...parent, ...asks }, sso);
      const { status, data } = r;
      if (status == 201 || status == 202) {
        const renewed = renew();
        if (!sso) store("name", trim(author.value));
        if (data.edit_token) store(`edit:${data.id}`, JSON.stringify({ token: data.edit_token, until: data.editable_until }));
        body.value = "";
        focus = item(data, thread, status == 202);
        if (thread) {
          thread.ol.append(focus);
          focus.className = "own";
          thread.n++;
          form.home();
        } else list.prepend(focus);
        say(state, "");
        if (status == 201) count(total + 1);
        tell(`${T.ty} ${status == 201 ? T.pub : T.pend}${asks ? ` ${T.inbx}` : ""}`);
        aim(focus);
        focus = 0;
        await renewed;
      } else if (status == 422) focus = mark(data, [author, body, mail], tell) || focus;
      else if (data.error == "comments_closed") return close(el("p", "status", T.shut));
      else if (data.error == "login_required") return close(signin());
      else tell(wrong(r), true);
    } catch (error) {
      tell(`${T.uns} ${error.message}`, true);
    } finally {
      busy = false;
      check();
    }
    if (focus == button && button.disabled) focus = body;
    if (focus && (focus != button || !root.activeElement)) aim(focus);
  };
  return form;
}

setInterval(() => {
  for (const time of root.querySelectorAll("time")) time.textContent = ago(new Date(time.dateTime));
}, 6e4);

if (config.articleId) load();
else say(state, T.noid, true);
}

const mount = () => {
  const target = config.container && document.querySelector(config.container);
  if (config.container && !target && document.readyState == "loading") return document.addEventListener("DOMContentLoaded", mount);
  const host = el("div", "comments-widget");
  const fragment = target?.querySelector("[data-comments-fragment]");
  // The server's fragment gives way only when nothing on screen moves: below the fold, or on input.
  const swap = (event) => {
    if (!host.isConnected && (/^[pk]/.test(event?.type) || target.getBoundingClientRect().bottom > innerHeight)) {
      host.style.minHeight = `${fragment.offsetHeight}px`;
      target.replaceChildren(host);
    }
  };
  if (!fragment) {
    host.style.minHeight = "30em";
    target ? target.replaceChildren(host) : script.after(host);
  }
  const start = () => {
    swap();
    for (const cue of ["scroll", "resize", "pointerdown", "keydown"]) addEventListener(cue, swap, { capture: true, passive: true });
  };
  // Not even en.json: the service is out of reach.
  words.then(() => box(host, fragment && start), () => (host.textContent = `The comments service at ${service} cannot be reached.`));
};
mount();
})();
