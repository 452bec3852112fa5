#!/usr/bin/env python3
"""Build the demo watch sources of data/watch/ from texts written for the project.

Three outlets over four months (January to April 2025): "The Signal Desk" (RSS 2.0, the English
articles), "Le Veilleur" (Atom, the French ones) and a wire service (JSON Feed) whose items are
light rewrites of a dozen of theirs (near-duplicates: one story, several outlets). Texts come
from data/themes/test.articles.jsonl (held out from the shipped model), train.none.jsonl
(off-topic) and drought.jsonl (ten articles on one subject no theme covers, all in April).
By construction, sanctions and export controls rise in April (one article in January, one in
February, seven in April) and the drought is a new subject. Three April articles are also pages (pages/*.html)
wrapped in the furniture real pages carry (menu, cookie box, share buttons, related links).

Deterministic: run from the project root, `python3 data/watch/make.py`; the output is checked in.
"""
import json
import os
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.abspath(__file__))
THEMES = os.path.join(ROOT, "..", "themes")
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def title_of(text):
    first = text.split(". ")[0].strip().rstrip(".")
    words = first.split()
    return first if len(words) <= 14 else " ".join(words[:12]) + "…"


def slug(title):
    keep = "".join(c.lower() if c.isalnum() else "-" for c in title)
    return "-".join(w for w in keep.split("-") if w)[:60]


def main():
    tests = read(os.path.join(THEMES, "test.articles.jsonl"))
    none = read(os.path.join(THEMES, "train.none.jsonl"))
    drought = read(os.path.join(ROOT, "drought.jsonl"))
    items = []  # (month, day, lang, text)
    sanctions_seen = 0
    for i, r in enumerate(tests):
        if "sanctions-export-controls" in r["labels"]:
            month = MONTHS[sanctions_seen] if sanctions_seen < 2 else MONTHS[3]
            sanctions_seen += 1
        else:
            month = MONTHS[i % 4]
        items.append((month, 1 + (i * 7) % 27, r["lang"], r["text"]))
    for i, r in enumerate(none):
        items.append((MONTHS[i % 4], 1 + (i * 5) % 27, r["lang"], r["text"]))
    for i, r in enumerate(drought):
        items.append((MONTHS[3], 10 + i * 2, "en", r["text"]))

    outlets = {
        "en": ("The Signal Desk", "https://signaldesk.example", "Sam Porter"),
        "fr": ("Le Veilleur", "https://leveilleur.example", "Claire Dubois"),
    }
    per_outlet = {"en": [], "fr": []}
    for n, (month, day, lang, text) in enumerate(items):
        name, site, author = outlets[lang]
        title = title_of(text)
        date = f"{month}-{day:02d}"
        url = f"{site}/{month.replace('-', '/')}/{slug(title)}"
        per_outlet[lang].append(
            {"n": n, "title": title, "url": url, "date": date, "author": author, "text": text}
        )

    os.makedirs(os.path.join(ROOT, "feeds"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "pages"), exist_ok=True)

    # RSS 2.0, RFC 822 dates.
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    mons = ["Jan", "Feb", "Mar", "Apr"]

    def rfc822(date, hour):
        import datetime

        d = datetime.date.fromisoformat(date)
        return f"{days[d.weekday()]}, {d.day:02d} {mons[d.month - 1]} {d.year} {hour:02d}:15:00 +0000"

    rss = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0"><channel>',
        "<title>The Signal Desk</title><link>https://signaldesk.example/</link>",
        "<description>Technology and geopolitics, and the rest of the news.</description>",
        "<language>en</language>",
    ]
    for a in sorted(per_outlet["en"], key=lambda a: a["date"], reverse=True):
        rss.append(
            "<item>"
            f"<title>{escape(a['title'])}</title><link>{a['url']}</link>"
            f"<guid>{a['url']}</guid><pubDate>{rfc822(a['date'], 8 + a['n'] % 10)}</pubDate>"
            f"<author>newsdesk@signaldesk.example ({a['author']})</author>"
            f"<description>{escape(a['text'])}</description>"
            "</item>"
        )
    rss.append("</channel></rss>")
    write("feeds/signal-desk.rss", "\n".join(rss) + "\n")

    atom = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">',
        "<title>Le Veilleur</title><id>https://leveilleur.example/</id>",
        '<link href="https://leveilleur.example/"/><updated>2025-04-30T18:00:00+02:00</updated>',
    ]
    for a in sorted(per_outlet["fr"], key=lambda a: a["date"], reverse=True):
        ts = f"{a['date']}T{7 + a['n'] % 11:02d}:30:00+01:00"
        atom.append(
            "<entry>"
            f"<title>{escape(a['title'])}</title><link href=\"{a['url']}\"/>"
            f"<id>{a['url']}</id><published>{ts}</published><updated>{ts}</updated>"
            f"<author><name>{a['author']}</name></author>"
            f"<content type=\"text\">{escape(a['text'])}</content>"
            "</entry>"
        )
    atom.append("</feed>")
    write("feeds/le-veilleur.atom", "\n".join(atom) + "\n")

    # The wire: every fifth article, rewritten lightly (a credit line added, its date kept).
    wire = []
    for a in sorted(per_outlet["en"] + per_outlet["fr"], key=lambda a: a["n"])[::5][:24]:
        credit = (
            " The story was also reported by our partners."
            if a in per_outlet["en"]
            else " L'information a aussi été relayée par nos partenaires."
        )
        wire.append(
            {
                "id": f"wire-{a['n']}",
                "url": a["url"].replace("signaldesk", "wire").replace("leveilleur", "wire"),
                "title": a["title"],
                "content_text": a["text"] + credit,
                "date_published": f"{a['date']}T12:00:00Z",
                "authors": [{"name": "Wire desk"}],
            }
        )
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Wire Service",
        "home_page_url": "https://wire.example/",
        "items": wire,
    }
    write("feeds/wire.json", json.dumps(feed, ensure_ascii=False, indent=1) + "\n")

    # Three April pages with their furniture.
    april = [a for a in per_outlet["en"] if a["date"].startswith("2025-04")][:3]
    for a in april:
        paras = "".join(f"<p>{escape(s.strip())}.</p>" for s in a["text"].split(". ") if s.strip())
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(a['title'])} | The Signal Desk</title>
<link rel="canonical" href="{a['url']}">
<meta property="og:title" content="{escape(a['title'])}">
<meta property="article:published_time" content="{a['date']}T09:00:00Z">
<meta name="author" content="{a['author']}"></head>
<body>
<header><nav><a href="/">Home</a> <a href="/tech">Tech</a> <a href="/world">World</a> <a href="/subscribe">Subscribe</a></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button> <button>Manage choices</button></div>
<main><article><h1>{escape(a['title'])}</h1>
<p class="byline">By {a['author']}, {a['date']}</p>
<div class="share"><a href="#">Share on X</a> <a href="#">Share by email</a></div>
{paras}
</article>
<aside class="newsletter">Sign up to our newsletter: the week's technology news every Friday.</aside>
<section class="related"><h2>Related articles</h2><ul><li><a href="/a">Chips: what the new rules change</a></li><li><a href="/b">The week in cyber</a></li></ul></section>
<a class="next" href="/next">Next Post</a></main>
<footer>© 2025 The Signal Desk · Privacy · Terms</footer>
</body></html>
"""
        write(f"pages/{slug(a['title'])[:40]}.html", page)

    write(
        "feeds.txt",
        "# The feeds veille watch polls: one URL or file per line (files relative to this list).\n"
        "feeds/signal-desk.rss\nfeeds/le-veilleur.atom\nfeeds/wire.json\n",
    )


def write(rel, text):
    with open(os.path.join(ROOT, rel), "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
