"""长辈模式 on every page of the mini-program (issue 35, item 5), measured statically: each page listed in app.json
is read as WeChat lays it out from its WXML and the stylesheets (app.wxss, then the page's own .wxss), in normal
mode and in 长辈模式 (its root has the `elder` class), on a 375 px wide phone (1 rpx = 0.5 px).

- 长辈模式: every tap target at least 60 × 60 px, all text at least 18 px (22 px is used), contrast of every text
  against its background at least 4.5:1, and no pop-up (wx.showModal / showActionSheet / showToast) on the page.
- Normal mode: text at least 18 px and contrast at least 4.5:1.

Rendering every page in a browser is not possible here (miniprogram-simulate runs under jsdom, which does no
layout), so this computes the cascade itself: selectors of the forms WXSS allows (tag, .class, compounds,
descendant), specificity and source order, inheritance of font-size, line-height and color."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from config.settings import PROJECT_ROOT

MINIPROGRAM = PROJECT_ROOT / "miniprogram"
ELDER_ROOT = "{{elder ? 'elder' : ''}}"
# Pages another branch is rewriting (mp-pages, issue 35 item 2): their root gets the elder class there. The test
# fails once a page here has it, so the list cannot go stale.
PENDING_ROOT: set[str] = set()
TARGET_TAGS = {"button", "navigator", "input", "textarea", "picker", "switch", "label", "slider"}
TAP_ATTRS = {"bindtap", "catchtap", "bind:tap", "catch:tap"}
INHERITED = {"font-size", "line-height", "color"}
BLOCK_TAGS = {"view", "button", "navigator", "input", "textarea", "picker", "form", "radio-group", "checkbox-group",
              "scroll-view", "swiper", "image"}
POPUPS = re.compile(r"wx\.(showModal|showActionSheet|showToast)\(")
PAGE_BACKGROUND = "#f7f7f7"


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def classes(self) -> set[str]:
        """Static class names and every quoted name a binding can produce ('card slot {{x ? 'full' : ''}}')."""
        value = self.attrs.get("class", "")
        names = set(re.sub(r"\{\{.*?\}\}", " ", value).split())
        for binding in re.findall(r"\{\{(.*?)\}\}", value):
            names |= {n for literal in re.findall(r"'([^']*)'|\"([^\"]*)\"", binding) for n in literal if n}
        return {n for name in names for n in name.split()}

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self):
        for child in self.children:
            yield child
            yield from child.walk()


class WxmlTree(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("page", {})
        self.current = self.root
        self.feed(re.sub(r"<!--.*?-->", "", source, flags=re.S))

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.text += data.strip()


@dataclass
class Rule:
    selector: list[tuple[str | None, frozenset[str]]]   # compounds, outermost first
    declarations: dict[str, str]
    order: int

    @property
    def specificity(self) -> tuple[int, int, int]:
        return (sum(len(c) for _, c in self.selector), sum(1 for t, _ in self.selector if t), self.order)


def parse_wxss(source: str, start: int = 0) -> list[Rule]:
    rules = []
    for order, (selectors, body) in enumerate(re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", source,
                                                                                           flags=re.S)), start):
        declarations = {k.strip(): v.strip() for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)}
        for selector in selectors.split(","):
            compounds = []
            for part in selector.replace(">", " ").split():
                tag = re.match(r"^[a-z][\w-]*", part)
                compounds.append((tag.group(0) if tag else None, frozenset(re.findall(r"\.([\w-]+)", part))))
            if compounds:
                rules.append(Rule(compounds, declarations, order))
    return rules


def matches(compound, node: Node, elder_root: Node | None) -> bool:
    tag, classes = compound
    # The elder class is on exactly when the mode is: only the page's root carries it, only in 长辈模式.
    own = node.classes() - {"elder"} | ({"elder"} if node is elder_root else set())
    if node.tag == "page":
        own = set()
    return (tag is None or tag == node.tag) and classes <= own


def rule_applies(rule: Rule, node: Node, elder_root: Node | None) -> bool:
    *outer, last = rule.selector
    if not matches(last, node, elder_root):
        return False
    chain = list(node.ancestors())
    for compound in reversed(outer):
        while chain and not matches(compound, chain[0], elder_root):
            chain.pop(0)
        if not chain:
            return False
        chain.pop(0)
    return True


class Layout:
    """Computed values of one page in one mode (elder_root: the node that carries the elder class, or None)."""

    def __init__(self, rules: list[Rule], elder_root: Node | None) -> None:
        self.rules, self.elder_root, self.cache = rules, elder_root, {}

    def own(self, node: Node, prop: str) -> str | None:
        if node.tag == "page" and node.parent is None:
            applied = [r for r in self.rules if r.selector == [("page", frozenset())] and prop in r.declarations]
        else:
            applied = [r for r in self.rules if prop in r.declarations and rule_applies(r, node, self.elder_root)]
        style = dict(d.split(":", 1) for d in node.attrs.get("style", "").split(";") if ":" in d)
        if prop in {k.strip() for k in style}:
            return {k.strip(): v.strip() for k, v in style.items()}[prop]
        return max(applied, key=lambda r: r.specificity).declarations[prop] if applied else None

    def value(self, node: Node, prop: str) -> str | None:
        key = (id(node), prop)
        if key not in self.cache:
            own = self.own(node, prop)
            if own is None and prop in INHERITED and node.parent is not None:
                own = self.value(node.parent, prop)
            self.cache[key] = own
        return self.cache[key]

    def px(self, node: Node, prop: str) -> float:
        return to_px(self.value(node, prop), self.font_px(node))

    def font_px(self, node: Node) -> float:
        value = self.value(node, "font-size")
        parent = self.font_px(node.parent) if node.parent is not None else 16.0
        return to_px(value, parent) if value else parent

    def height(self, node: Node) -> float:
        """The box's height: its min-height, or one line of text plus its vertical padding."""
        line = self.value(node, "line-height") or "1.2"
        line_px = float(line) * self.font_px(node) if re.fullmatch(r"[\d.]+", line) else to_px(line, 0)
        padding = (self.value(node, "padding") or "0").split()
        vertical = to_px(padding[0], 0) + to_px(padding[2] if len(padding) > 2 else padding[0], 0)
        return max(self.px(node, "min-height"), line_px + vertical, self.px(node, "height"))

    def block(self, node: Node) -> bool:
        display = self.value(node, "display")
        if display:
            return display in {"block", "flex", "grid"}
        return node.tag in BLOCK_TAGS

    def background(self, node: Node) -> str:
        for candidate in [node, *node.ancestors()]:
            colour = self.own(candidate, "background") or self.own(candidate, "background-color")
            if colour and colour.startswith("#"):
                return colour
        return PAGE_BACKGROUND


def to_px(value: str | None, font_px: float) -> float:
    if not value:
        return 0.0
    number = re.match(r"^(-?[\d.]+)(rpx|px|em)?$", value.strip())
    if not number:
        return 0.0
    amount, unit = float(number.group(1)), number.group(2) or "px"
    return {"rpx": amount / 2, "px": amount, "em": amount * font_px}[unit]


def luminance(colour: str) -> float:
    hex_ = colour.lstrip("#")
    hex_ = "".join(c * 2 for c in hex_) if len(hex_) == 3 else hex_[:6]
    channels = [int(hex_[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def pages() -> list[str]:
    return json.loads((MINIPROGRAM / "app.json").read_text())["pages"]


def stylesheet(page: str) -> list[Rule]:
    rules = parse_wxss((MINIPROGRAM / "app.wxss").read_text(encoding="utf-8"))
    own = MINIPROGRAM / f"{page}.wxss"
    return rules + (parse_wxss(own.read_text(encoding="utf-8"), start=len(rules)) if own.exists() else [])


def tree(page: str) -> WxmlTree:
    return WxmlTree((MINIPROGRAM / f"{page}.wxml").read_text(encoding="utf-8"))


def elder_root(parsed: WxmlTree) -> Node | None:
    """The page's one top-level element when it carries the elder class binding."""
    top = parsed.root.children
    if len(top) == 1 and top[0].tag == "view" and ELDER_ROOT in top[0].attrs.get("class", ""):
        return top[0]
    return None


def is_target(node: Node) -> bool:
    if node.tag in {"checkbox", "radio"}:
        return not any(a.tag == "label" for a in node.ancestors())
    return node.tag in TARGET_TAGS or bool(TAP_ATTRS & set(node.attrs))


def target_problems(layout: Layout, root: Node) -> list[str]:
    problems = []
    for node in root.walk():
        if not is_target(node) or any(is_target(a) for a in node.ancestors()):
            continue
        box = next((c for c in node.children if c.tag != "text"), node) if node.tag == "picker" else node
        label = f"<{node.tag} {' '.join(f'{k}={v!r}' for k, v in list(node.attrs.items())[:2])}>"
        if layout.height(box) < 60:
            problems.append(f"{label} is {layout.height(box):.0f} px high")
        mini = node.attrs.get("size") == "mini"
        if mini or not (layout.block(box) or layout.px(box, "min-width") >= 60):
            problems.append(f"{label} may be narrower than 60 px")
    return problems


def text_problems(layout: Layout, root: Node) -> list[str]:
    problems = []
    for node in [root, *root.walk()]:
        if not node.text:
            continue
        size, colour = layout.font_px(node), layout.value(node, "color") or "#000000"
        if size < 18:
            problems.append(f"<{node.tag}> {node.text[:20]!r} is {size:.0f} px")
        ratio = contrast(colour, layout.background(node))
        if ratio < 4.5:
            problems.append(f"<{node.tag}> {node.text[:20]!r} contrast {ratio:.1f}:1")
    return problems


@pytest.mark.parametrize("page", pages())
def test_every_page_in_elder_mode_has_large_targets_large_text_contrast_and_no_popups(page):
    parsed = tree(page)
    root = elder_root(parsed)
    if page in PENDING_ROOT:
        assert root is None, f"{page} has the elder root now: remove it from PENDING_ROOT"
        pytest.skip(f"{page}: its root gets the elder class on branch mp-pages")
    assert root is not None, f"{page}.wxml: wrap the page in <view class=\"{ELDER_ROOT}\">…</view>"
    layout = Layout(stylesheet(page), elder_root=root)
    assert target_problems(layout, root) == [], page
    assert text_problems(layout, root) == [], page
    script = (MINIPROGRAM / f"{page}.js").read_text(encoding="utf-8")
    assert POPUPS.findall(script) == [], f"{page}.js opens a pop-up: ask on the page instead"


@pytest.mark.parametrize("page", pages())
def test_every_page_in_normal_mode_has_large_enough_text_and_contrast(page):
    parsed = tree(page)
    layout = Layout(stylesheet(page), elder_root=None)
    assert text_problems(layout, parsed.root) == [], page


def test_the_measurement_catches_small_targets_small_text_low_contrast():
    rules = parse_wxss("page { font-size: 36rpx; color: #111827; }\n.card { padding: 24rpx; background: #fff; }\n"
                       ".elder { font-size: 44rpx; line-height: 1.7; }\n.elder .card, .elder button { min-height: 128rpx; }\n"
                       ".pale { color: #9ca3af; }\n.tiny { font-size: 24rpx; }")
    parsed = WxmlTree(f'<view class="{ELDER_ROOT}"><view class="card" bindtap="go">大</view>'
                      '<button size="mini">删除</button><text bindtap="more">更多</text>'
                      '<view class="pale">浅色字</view><view class="tiny">小字</view></view>')
    root = elder_root(parsed)
    layout = Layout(rules, elder_root=root)
    assert layout.font_px(root) == 22 and layout.height(root.children[0]) == 64
    problems = target_problems(layout, root)
    assert problems == ["<button size='mini'> may be narrower than 60 px", "<text bindtap='more'> is 37 px high",
                        "<text bindtap='more'> may be narrower than 60 px"]
    assert text_problems(layout, root) == ["<view> '浅色字' contrast 2.4:1", "<view> '小字' is 12 px"]
    normal = Layout(rules, elder_root=None)
    assert normal.font_px(root) == 18 and normal.height(root.children[0]) < 60
