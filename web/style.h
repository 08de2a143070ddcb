// The web inbox's style sheet: served at /static/inbox.css (the Content-Security-Policy allows
// no inline style). Readable from 360 px up; follows the system's dark mode.
#pragma once

#include <string_view>

namespace rapport::web {

inline constexpr std::string_view kInboxCss = R"css(
:root { --ink: #1d232b; --muted: #5d6875; --line: #dfe3e8; --paper: #ffffff; --tint: #f5f7f9;
        --accent: #1d5c8f; --accent-ink: #ffffff; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e6e9ed; --muted: #a1aab5; --line: #38414b; --paper: #15191e; --tint: #1d2329;
          --accent: #6aa8dc; --accent-ink: #0d1116; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: var(--tint); }
header { background: var(--paper); border-bottom: 1px solid var(--line); }
nav { max-width: 52rem; margin: 0 auto; padding: 0.6rem 1rem; display: flex; gap: 1.2rem;
      flex-wrap: wrap; align-items: baseline; }
nav a { color: var(--ink); text-decoration: none; }
nav a.brand { font-weight: 700; margin-right: auto; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 0.4rem; }
h3 { font-size: 1rem; margin: 0.2rem 0; overflow-wrap: anywhere; }
a { color: var(--accent); }
.lede { color: var(--muted); margin-top: 0; }
.meta { color: var(--muted); font-size: 0.9rem; margin: 0.2rem 0; }
ol.people { list-style: none; padding: 0; margin: 0; }
.card, article.message, .note { background: var(--paper); border: 1px solid var(--line);
        border-radius: 8px; padding: 0.8rem 1rem; margin: 0 0 0.8rem; }
.who { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: baseline; }
.rank { color: var(--muted); font-variant-numeric: tabular-nums; }
.name { font-weight: 600; font-size: 1.1rem; overflow-wrap: anywhere; }
.address { color: var(--muted); font-size: 0.9rem; overflow-wrap: anywhere; }
.reasons { margin: 0.3rem 0; font-size: 0.95rem; }
.episode { margin: 0.2rem 0; font-size: 0.9rem; }
blockquote { margin: 0.5rem 0; padding: 0.2rem 0 0.2rem 0.8rem; border-left: 3px solid var(--line);
             overflow-wrap: anywhere; }
.label { color: var(--muted); font-size: 0.85rem; margin-right: 0.3rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-top: 0.5rem; }
section.actions { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
                  padding: 0.8rem 1rem; }
.snooze { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
form.inline { display: inline; margin: 0; }
form.row { display: flex; gap: 0.5rem; margin: 0.4rem 0; }
form.note-edit { display: flex; flex-direction: column; gap: 0.4rem; margin: 0.4rem 0; }
button { font: inherit; padding: 0.35rem 0.9rem; border-radius: 6px; border: 1px solid var(--accent);
         background: var(--accent); color: var(--accent-ink); cursor: pointer; min-height: 2.2rem; }
button.quiet { background: var(--paper); color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); padding: 0 0.3rem;
              min-height: 0; text-decoration: underline; }
input, textarea { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--line);
                  border-radius: 6px; background: var(--paper); color: var(--ink); max-width: 100%; }
textarea { width: 100%; }
.open { margin-left: auto; }
ul.identities, ul.tags { padding-left: 1.2rem; margin: 0.2rem 0; }
ul.tags li { display: inline-block; margin-right: 0.6rem; }
.kind { color: var(--muted); font-size: 0.85rem; }
.words { white-space: pre-wrap; overflow-wrap: anywhere; }
.whole { color: var(--muted); font-size: 0.95rem; margin-top: 0.4rem; }
article.automatic { opacity: 0.75; }
article.failing { border-left: 4px solid #b5522b; }
.problem { color: #b5522b; }
.answer { margin: 0 0 0.8rem; padding: 0.4rem 1rem; color: var(--muted); font-size: 0.95rem;
          border-left: 3px solid var(--accent); }
details summary { cursor: pointer; color: var(--accent); margin-top: 0.4rem; }
.pager { display: flex; justify-content: space-between; margin: 1rem 0; }
code { font-size: 0.9em; }
form.find { flex: 1 1 12rem; display: flex; justify-content: flex-end; }
form.find input { width: 100%; max-width: 18rem; }
form.search { display: flex; flex-direction: column; gap: 0.5rem; }
form.search details { display: flex; flex-direction: column; }
form.search label { display: block; margin: 0.3rem 0; }
ul.results { list-style: none; padding: 0; }
ul.results li { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
                padding: 0.6rem 1rem; margin: 0 0 0.6rem; overflow-wrap: anywhere; }
mark { background: #ffe9a8; color: #1d232b; }
)css";

}  // namespace rapport::web
