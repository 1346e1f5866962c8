"""The app's pages: one explicit list (section, file, title), used by app.py's st.navigation and the sidebar menu."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ecomops.i18n import N_, _

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


@dataclass(frozen=True)
class PageEntry:
    """One page: its file stem in pages/ (also its URL path), menu section and title (message ids), and the action
    (ecomops/access.py) a role needs to open it."""

    stem: str
    section: str
    title: str
    file: Path | None = None  # elsewhere than pages/<stem>.py (benchmark-only pages)
    action: str = "view"

    @property
    def path(self) -> Path:
        """Return the page file."""
        return self.file or PAGES_DIR / f"{self.stem}.py"

    @property
    def url_path(self) -> str:
        """Return the page's URL path ('' for the home page)."""
        return "" if self.stem == HOME else self.stem


HOME = "overview"
# Menu order. Titles and sections are message ids (translated when drawn).
PAGES = (
    PageEntry("overview", N_("Overview"), N_("Overview")),
    PageEntry("users", N_("Users"), N_("Customers")),
    PageEntry("users_cohorts", N_("Users"), N_("Cohorts & members")),
    PageEntry("users_lost", N_("Users"), N_("Lost customers")),
    PageEntry("users_churn", N_("Users"), N_("Churn & reactivation")),
    PageEntry("products", N_("Products"), N_("Demand")),
    PageEntry("products_inventory", N_("Products"), N_("Inventory (ABC)")),
    PageEntry("products_bundles", N_("Products"), N_("Bundles")),
    PageEntry("products_review", N_("Products"), N_("Product review")),
    PageEntry("traffic", N_("Traffic"), N_("Channels & ROI")),
    PageEntry("traffic_ads", N_("Traffic"), N_("Ads")),
    PageEntry("traffic_search", N_("Traffic"), N_("Search keywords")),
    PageEntry("traffic_campaigns", N_("Traffic"), N_("Campaigns")),
    PageEntry("traffic_funnel", N_("Traffic"), N_("Funnel & scroll depth")),
    PageEntry("data_monitoring", N_("Data"), N_("Monitoring")),
    PageEntry("data_review", N_("Data"), N_("Weekly/monthly review")),
    PageEntry("data_upload", N_("Data"), N_("Upload")),
    PageEntry("data_sql", N_("Data"), N_("SQL console"), action="sql_console"),
    PageEntry("data_settings", N_("Data"), N_("Settings")),
    PageEntry("data_delivery", N_("Data"), N_("Scheduled delivery"), action="edit_delivery"),
    PageEntry("data_audit", N_("Data"), N_("Audit trail"), action="view_audit"),
    PageEntry("risk", N_("Risk"), N_("Compliance")),
    PageEntry("risk_supply", N_("Risk"), N_("Supply chain")),
    PageEntry("risk_competition", N_("Risk"), N_("Competition")),
    PageEntry("risk_reputation", N_("Risk"), N_("Reputation")),
)
BY_STEM = {entry.stem: entry for entry in PAGES}


def add(entry: PageEntry) -> None:
    """Add a page to the registry (the page benchmark's empty page)."""
    global PAGES
    PAGES = (*PAGES, entry)
    BY_STEM[entry.stem] = entry


def sections() -> dict[str, list[PageEntry]]:
    """Return {section message id: [pages]} in menu order."""
    out: dict[str, list[PageEntry]] = {}
    for entry in PAGES:
        out.setdefault(entry.section, []).append(entry)
    return out


def entry_for(page_file: str | Path) -> PageEntry:
    """Return the registry entry of a page file (``__file__`` of the page)."""
    return BY_STEM[Path(page_file).stem]


def title(entry: PageEntry) -> str:
    """Return the page's title in the current language."""
    return _(entry.title)
