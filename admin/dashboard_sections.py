"""The dashboard's sections, shaped from a run's stored figures: each is a chart (what
static/console/dashboard_charts.js draws) and the table behind it, every row linking to the
members behind its figures. Nothing here queries the big tables."""

from dataclasses import dataclass, field

from admin import display
from admin.dashboard_links import Links

STRUCTURE = (("light", "ライト会員"), ("full", "本会員"), ("blocked", "ブロック中"),
             ("withdrawn", "退会"))
RANKS = (("regular", "レギュラー"), ("silver", "シルバー"), ("gold", "ゴールド"))
RFM = (("loyal", "優良"), ("stable", "安定"), ("new", "新規"), ("at_risk", "休眠予備"),
       ("dormant", "休眠"), ("lost", "離脱"))
MESSAGE_PERIODS = {"last30": "直近30日", "last90": "直近90日"}


@dataclass
class Cell:
    text: str
    link: object = None  # admin.dashboard_links.Link
    field: str | None = None  # data-field for tests and scripts


@dataclass
class Section:
    key: str
    title: str
    note: str
    chart: dict
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    filtered: bool = False  # follows the store / channel filter


class Figures:
    """A run's figures, read as the sections need them."""

    def __init__(self, stored: dict, months: list[str], dimension: str):
        self.stored, self.months, self.dimension = stored, months, dimension

    def get(self, figure, period, offset=0, dimension="all"):
        return self.stored.get((figure, period, offset, dimension))

    def value(self, figure, period, offset=0, dimension="all") -> float:
        return self.get(figure, period, offset, dimension) or 0


def month_label(period: str) -> str:
    year, month = period.split("-")
    return f"{year}年{int(month)}月"


def _count(n, href=None, name=None) -> Cell:
    return Cell(display.number(int(n)) if n is not None else display.NONE, href, name)


def _rate(numerator, denominator, name=None) -> Cell:
    return Cell(display.percent(numerator / denominator if denominator else None), None, name)


def _chart(kind, labels, series, *, stacked=False, unit="count") -> dict:
    return {"type": kind, "stacked": stacked, "unit": unit, "labels": labels,
            "datasets": [{"label": label, "data": data} for label, data in series]}


def structure_section(f: Figures, links: Links) -> Section:
    labels = [month_label(m) for m in f.months]
    series = [(label, [f.value(f"structure.{key}", m) for m in f.months])
              for key, label in STRUCTURE[:3]]
    section = Section("structure", "会員構成（友だち → ライト会員 → 本会員）",
                      "各月末時点（今月は集計時点）。ブロック中・退会は現在の状態をその日から数えます。",
                      _chart("bar", labels, series, stacked=True),
                      ["月", *[label for _, label in STRUCTURE], "友だち計"])
    for m in f.months:
        values = {key: f.value(f"structure.{key}", m) for key, _ in STRUCTURE}
        section.rows.append([
            Cell(month_label(m)),
            *[_count(values[key], links.state(key, m), f"structure-{key}")
              for key, _ in STRUCTURE],
            _count(values["light"] + values["full"], None, "structure-friends")])
    return section


def rank_section(f: Figures, links: Links, silver: int, gold: int) -> Section:
    labels = [month_label(m) for m in f.months]
    series = [(label, [f.value(f"rank.{key}", m) for m in f.months]) for key, label in RANKS]
    section = Section("ranks", "ランク別の会員数",
                      f"各月末時点の直近12か月の購入金額によるランク（シルバー "
                      f"{display.yen(silver)}以上、ゴールド {display.yen(gold)}以上、"
                      "今の基準）。退会した会員を除きます。",
                      _chart("bar", labels, series, stacked=True),
                      ["月", *[label for _, label in RANKS]])
    for m in f.months:
        section.rows.append([Cell(month_label(m)), *[
            _count(f.value(f"rank.{key}", m), links.rank(key, m), f"rank-{key}")
            for key, _ in RANKS]])
    return section


def rfm_section(f: Figures, links: Links, parameters: dict) -> Section:
    labels = [month_label(m) for m in f.months]
    series = [(label, [f.value(f"rfm.{key}", m) for m in f.months]) for key, label in RFM]
    p = parameters
    note = (f"各月末時点。最終購入から{p['active_days']}日以内："
            f"購入{p['loyal_purchases']}回以上は優良、{p['stable_purchases']}回以上は安定、"
            f"それ未満は新規。{p['at_risk_days']}日以内は休眠予備、"
            f"{p['dormant_days']}日以内は休眠、それより前は離脱。購入のない会員は含みません。")
    section = Section("rfm", "RFMグループ別の会員数", note,
                      _chart("bar", labels, series, stacked=True),
                      ["月", *[label for _, label in RFM]])
    for m in f.months:
        section.rows.append([Cell(month_label(m)), *[
            _count(f.value(f"rfm.{key}", m), links.rfm(key, m), f"rfm-{key}")
            for key, _ in RFM]])
    return section


def funnel_section(f: Figures, links: Links) -> Section:
    labels = [month_label(m) for m in f.months]
    series = [(label, [f.value(f"funnel.{key}", m) for m in f.months])
              for key, label in (("joined", "友だち追加"), ("purchased", "初回購入あり"),
                                 ("upgraded", "本会員になった"))]
    section = Section("funnel", "友だち追加 → 初回購入・本会員登録（登録月別）",
                      "その月に友だち追加した会員のうち、これまでに購入した会員と本会員になった会員。",
                      _chart("bar", labels, series),
                      ["登録月", "友だち追加", "初回購入あり", "購入率", "本会員登録", "本会員化率",
                       "本会員化までの日数（中央値）"])
    for m in f.months:
        joined = f.value("funnel.joined", m)
        purchased, upgraded = f.value("funnel.purchased", m), f.value("funnel.upgraded", m)
        median = f.get("funnel.upgrade_median_days", m)
        section.rows.append([
            Cell(month_label(m)), _count(joined, links.joined(m), "funnel-joined"),
            _count(purchased, links.joined(m, purchased=True), "funnel-purchased"),
            _rate(purchased, joined, "funnel-purchase-rate"),
            _count(upgraded, links.joined(m, upgraded=True), "funnel-upgraded"),
            _rate(upgraded, joined, "funnel-upgrade-rate"),
            Cell(display.NONE if median is None else f"{median:g}日", None, "funnel-median-days")])
    return section


def f2_section(f: Figures, links: Links) -> Section:
    d = f.dimension
    rates = {days: [_percent_of(f.value(f"f2.within_{days}", m, dimension=d),
                                f.value("f2.first_buyers", m, dimension=d)) for m in f.months]
             for days in (30, 90)}
    section = Section("f2", "F2転換率（初回購入月別）",
                      "初回購入から30日・90日以内に2回目の購入があった割合。直近の月は期間が終わるまで増えます。",
                      _chart("line", [month_label(m) for m in f.months],
                             [("30日以内", rates[30]), ("90日以内", rates[90])], unit="percent"),
                      ["初回購入月", "初回購入者", "30日以内に2回目", "F2率（30日）",
                       "90日以内に2回目", "F2率（90日）"], filtered=True)
    for m in f.months:
        buyers = f.value("f2.first_buyers", m, dimension=d)
        w30, w90 = (f.value(f"f2.within_{n}", m, dimension=d) for n in (30, 90))
        section.rows.append([Cell(month_label(m)),
                             _count(buyers, links.first_purchase(m), "f2-first-buyers"),
                             _count(w30, None, "f2-within-30"), _rate(w30, buyers, "f2-rate-30"),
                             _count(w90, None, "f2-within-90"), _rate(w90, buyers, "f2-rate-90")])
    return section


def repeat_section(f: Figures, links: Links) -> Section:
    d = f.dimension
    purchasers = [f.value("repeat.purchasers", m, dimension=d) for m in f.months]
    repeaters = [f.value("repeat.repeaters", m, dimension=d) for m in f.months]
    section = Section("repeat", "リピート率・ブロック数（月別）",
                      "その月に購入した会員のうち、それより前にも購入していた会員の割合。"
                      "ブロック数は現在もブロック中の会員をブロックした月で数えます（絞り込み対象外）。",
                      _chart("bar", [month_label(m) for m in f.months],
                             [("リピート購入者", repeaters),
                              ("新規購入者", [p - r for p, r in zip(purchasers, repeaters,
                                                                    strict=True)])],
                             stacked=True),
                      ["月", "購入者", "リピート購入者", "リピート率", "売上", "ブロック"],
                      filtered=True)
    for m, buyers, repeat in zip(f.months, purchasers, repeaters, strict=True):
        section.rows.append([
            Cell(month_label(m)), _count(buyers, links.purchases(m), "repeat-purchasers"),
            _count(repeat, None, "repeat-repeaters"), _rate(repeat, buyers, "repeat-rate"),
            Cell(display.yen(f.value("revenue", m, dimension=d)), None, "revenue"),
            _count(f.value("blocks", m), links.state("blocked", None), "blocks")])
    return section


def ltv_section(f: Figures, links: Links) -> Section:
    d = f.dimension
    offsets = range(len(f.months))
    series, section = [], Section(
        "ltv", "LTV（登録月別・1人あたり累計購入額）",
        "その月に友だち追加した会員1人あたりの、登録月から各月末までの累計購入額（完了した購入）。",
        {}, ["登録月", "会員数", *[f"{n}か月後" if n else "登録月内" for n in offsets]],
        filtered=True)
    for m in f.months:
        members = f.value("ltv.members", m)
        # Months not yet come, and cohorts nobody joined, have no figure.
        per_member = [f.value("ltv.revenue", m, n, d) / members
                      if members and f.get("ltv.revenue", m, n) is not None else None
                      for n in offsets]
        series.append((month_label(m), per_member))
        section.rows.append([Cell(month_label(m)), _count(members, links.joined(m), "ltv-members"),
                             *[Cell(display.NONE if v is None else display.yen(v), None,
                                    f"ltv-{n}") for n, v in zip(offsets, per_member,
                                                                strict=True)]])
    section.chart = _chart("line", section.header[2:], series, unit="yen")
    return section


def messages_section(f: Figures, links: Links, period: str, labels: dict) -> Section:
    keys = sorted({d for (figure, p, _, d) in f.stored
                   if figure.startswith("messages.") and p == period},
                  key=lambda d: (not d.startswith("flow:"), labels.get(d, d)))
    names = [labels.get(key, key) for key in keys]
    values = {key: {name: f.value(f"messages.{name}", period, dimension=key)
                    for name in ("recipients", "delivered", "clicked", "purchasers", "revenue")}
              for key in keys}
    section = Section("messages", f"メッセージの効果（{period_label(period)}）",
                      "フォローアップはこの期間に送ったもの（7日以内の購入）、一斉配信はこの期間に始めたもの"
                      "（設定した日数以内の購入）。効果比較と同じ集計です。",
                      _chart("bar", names, [
                          (label, [values[k][name] for k in keys])
                          for name, label in (("delivered", "配信数"), ("clicked", "タップ"),
                                              ("purchasers", "購入者"))]),
                      ["種類", "名前", "配信数", "タップ", "タップ率", "購入者（コンバージョン）",
                       "購入率", "売上（効果）"])
    for key in keys:
        v = values[key]
        section.rows.append([
            Cell("フォローアップ" if key.startswith("flow:") else "一斉配信"),
            Cell(labels.get(key, key), links.message(key, period)),
            _count(v["delivered"], None, "messages-delivered"),
            _count(v["clicked"], None, "messages-clicked"),
            _rate(v["clicked"], v["delivered"], "messages-click-rate"),
            _count(v["purchasers"], links.message(key, period), "messages-purchasers"),
            _rate(v["purchasers"], v["recipients"], "messages-conversion"),
            Cell(display.yen(v["revenue"]), None, "messages-revenue")])
    return section


def period_label(period: str) -> str:
    return MESSAGE_PERIODS.get(period) or month_label(period)


def _percent_of(numerator, denominator):
    return round(numerator / denominator * 100, 1) if denominator else None
