#!/usr/bin/python3
"""Render a run's heap growth (growth.collapsed, written by `memgate run --attribute`) as a
flame graph in one self-contained HTML page, RUN_DIR/growth.html.

The page inlines d3 and d3-flame-graph (npm, versions pinned in reports/flamegraph/
package.json and package-lock.json; `npm ci` there, or ci/setup, installs them), so it
opens offline and can be attached to a CI job as it is. Values are the growth rate of each
stack in bytes per hour over the attribution window of report.json's attribution.native;
each stack is cut at its call site (the frame report.json names as the growing site, shown
as file:line (function)), so the growth site is the top frame and the allocator's own frames
above it (malloc, operator new) are left out.

Usage: /usr/bin/python3 reports/flame_growth.py RUN_DIR [--out HTML] [--quiet]
Prints the page's path on stderr unless --quiet.
Exit status: 0 written, 2 bad input, 3 the flame graph library is missing (npm ci).
"""
import argparse
import html
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = os.path.join(HERE, "flamegraph", "node_modules")
# (file under node_modules, how it is inlined); the order is the load order.
LIBRARY = [("d3/dist/d3.min.js", "script"),
           ("d3-flame-graph/dist/d3-flamegraph.umd.min.js", "script"),
           ("d3-flame-graph/dist/d3-flamegraph.css", "style")]
NO_LIBRARY = 3


def fail(message, code=2):
    print(f"flame_growth: {message}", file=sys.stderr)
    sys.exit(code)


def parse_collapsed(text, path="growth.collapsed"):
    """[(frames outermost first, value)] from collapsed stacks ("a;b;c 123" per line)."""
    stacks = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        frames, _, value = line.rpartition(" ")
        try:
            amount = int(value)
        except ValueError:
            fail(f"{path}:{number}: expected 'frame;frame;... BYTES', got {line[:80]!r}")
        if not frames or amount < 0:
            fail(f"{path}:{number}: expected 'frame;frame;... BYTES', got {line[:80]!r}")
        stacks.append((frames.split(";"), amount))
    return stacks


SITE = re.compile(r"^(?P<where>.*) \((?P<function>[^()]*(?:\([^()]*\)[^()]*)*)\)$")


def site_names(sites):
    """{frame name as in growth.collapsed: site as report.json names it}. A site reads
    "file:line (function)" or "module+0xOFF (function)" (the frame is the function) or
    "module+0xOFF" (the frame is that text); a function with several growing lines keeps
    its name with the lines listed."""
    by_frame = {}
    for site in sites:
        match = SITE.match(site)
        frame = match.group("function") if match else site
        by_frame.setdefault(frame, []).append(site)
    names = {}
    for frame, listed in by_frame.items():
        if len(listed) == 1:
            names[frame] = listed[0]
        else:
            wheres = [SITE.match(s).group("where") for s in listed]
            names[frame] = f"{frame} ({', '.join(wheres)})"
    return names


def at_call_sites(stacks, names):
    """Each stack cut at its innermost frame that is a named site, that frame renamed."""
    out = []
    for frames, value in stacks:
        for i in range(len(frames) - 1, -1, -1):
            if frames[i] in names:
                frames = frames[:i] + [names[frames[i]]]
                break
        out.append((frames, value))
    return out


def tree(stacks, scale):
    """d3-flame-graph's input: {name, value, children}, values are totals scaled by `scale`,
    children largest first."""
    root = {"name": "all sampled heap growth", "value": 0.0, "children": []}
    index = {id(root): {}}
    for frames, value in stacks:
        amount = value * scale
        node = root
        node["value"] += amount
        for frame in frames:
            children = index[id(node)]
            if frame not in children:
                child = {"name": frame, "value": 0.0, "children": []}
                node["children"].append(child)
                children[frame] = child
                index[id(child)] = {}
            node = children[frame]
            node["value"] += amount
    order = [root]  # the largest growth leftmost at every level
    while order:
        node = order.pop()
        node["children"].sort(key=lambda child: -child["value"])
        order.extend(node["children"])
    return root


def load_report(run_dir):
    path = os.path.join(run_dir, "report.json")
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")


def window_hours(native):
    try:
        seconds = float(native["late"]["t_s"]) - float(native["early"]["t_s"])
    except (KeyError, TypeError, ValueError):
        return None
    return seconds / 3600 if seconds > 0 else None


def read_library():
    parts = []
    for name, kind in LIBRARY:
        path = os.path.join(MODULES, name)
        try:
            with open(path, encoding="utf-8") as f:
                parts.append((kind, f.read()))
        except OSError:
            fail(f"{path} not found: run `npm ci` in {os.path.dirname(MODULES)} (ci/setup does)", NO_LIBRARY)
    return parts


def script_json(value):
    """JSON safe inside <script>: no "</" can end the element early."""
    return json.dumps(value).replace("</", "<\\/")


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
{library}
<style>
body {{ font-family: Verdana, sans-serif; margin: 16px 24px; color: #222; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }}
p.sub {{ margin: 0 0 12px; color: #555; font-size: 13px; }}
#details {{ min-height: 1.5em; font-size: 13px; color: #333; }}
table {{ border-collapse: collapse; font-size: 13px; margin-top: 16px; }}
td, th {{ padding: 2px 12px 2px 0; text-align: left; }}
td.n {{ text-align: right; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="sub">{subtitle}</p>
<div id="chart"></div>
<div id="details"></div>
<table id="sites"></table>
<script>
const GROWTH = {data};
const SITES = {sites};
const UNIT = {unit};
function bytes(v) {{
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  for (v = Math.abs(v); v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return v.toFixed(v >= 100 || i === 0 ? 0 : 1) + " " + units[i];
}}
const total = GROWTH.value;
function share(v) {{ return total > 0 ? (100 * v / total).toFixed(0) + " %" : ""; }}
const chart = flamegraph.default()
  .width(Math.max(600, document.getElementById("chart").clientWidth))
  .cellHeight(20)
  .transitionDuration(0)
  .minFrameSize(2)
  .sort(false)
  .getName(d => d.data.name + (d.value > 0 ? "  +" + bytes(d.value) + UNIT : ""))
  .setLabelHandler(d => d.data.name + ": +" + bytes(d.value) + UNIT + " (" + share(d.value) + " of the growth)")
  .setDetailsElement(document.getElementById("details"));
d3.select("#chart").datum(GROWTH).call(chart);
// Frames at their final widths at once: a screenshot, a print or a slow page never shows
// them mid-transition (each frame's group carries its width).
d3.select("#chart").selectAll("g.frame").each(function () {{
  d3.select(this).selectAll("rect, foreignObject").interrupt().attr("width", this.getAttribute("width"));
}});
const table = d3.select("#sites");
if (SITES.length) {{
  table.append("tr").selectAll("th").data(["growing site", "rate", "share of the heap growth"])
    .enter().append("th").text(d => d);
  for (const s of SITES) {{
    const row = table.append("tr");
    row.append("td").text(s.site);
    row.append("td").attr("class", "n").text("+" + bytes(s.bytes_per_h) + "/h");
    row.append("td").attr("class", "n").text(s.share_of_growth == null ? "" : (100 * s.share_of_growth).toFixed(0) + " %");
  }}
}}
</script>
</body></html>
"""


def render(run_dir, stacks, report, library):
    native = (report.get("attribution") or {}).get("native") or {}
    growing = [s for s in native.get("growing") or [] if isinstance(s, dict) and isinstance(s.get("site"), str)]
    stacks = at_call_sites(stacks, site_names([s["site"] for s in growing]))
    hours = window_hours(native)
    scale, unit = (1 / hours, "/h") if hours else (1.0, " over the window")
    run_id = os.path.basename(os.path.normpath(os.path.abspath(run_dir)))
    command = " ".join((report.get("run") or {}).get("command") or [])
    title = f"Heap growth by call stack, run {run_id}"
    started = (report.get("run") or {}).get("started_at")
    if isinstance(started, str) and len(started) >= 16:
        title += f" (started {started[:10]} {started[11:16]} UTC)"
    subtitle = "Width: growth rate of the sampled live heap"
    if hours:
        subtitle += (f" in bytes/h over the steady window t={native['early']['t_s']:.0f}s to "
                     f"t={native['late']['t_s']:.0f}s")
    subtitle += "; top frame: the call site (the allocator's own frames above it are left out)."
    if command:
        subtitle += f" Command: {command}"
    blocks = []
    for kind, text in library:
        text = text.replace("</script", "<\\/script") if kind == "script" else text.replace("</style", "<\\/style")
        blocks.append(f"<{kind}>\n{text}\n</{kind}>")
    sites = [{"site": s["site"], "bytes_per_h": s.get("bytes_per_h", 0),
              "share_of_growth": s.get("share_of_growth")} for s in growing]
    return PAGE.format(title=html.escape(title), subtitle=html.escape(subtitle), library="\n".join(blocks),
                       data=script_json(tree(stacks, scale)), sites=script_json(sites), unit=script_json(unit))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--out", help="the page (default RUN_DIR/growth.html)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    collapsed = os.path.join(args.run_dir, "growth.collapsed")
    try:
        with open(collapsed, encoding="utf-8", errors="replace") as f:
            stacks = parse_collapsed(f.read(), collapsed)
    except OSError as e:
        fail(f"{collapsed}: {e.strerror} (a run with --attribute that found growth writes it)")
    library = read_library()
    page = render(args.run_dir, stacks, load_report(args.run_dir), library)
    out = args.out or os.path.join(args.run_dir, "growth.html")
    temporary = out + ".tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(temporary, out)
    except OSError as e:
        fail(f"{out}: {e.strerror}")
    if not args.quiet:
        print(out, file=sys.stderr)


if __name__ == "__main__":
    main()
