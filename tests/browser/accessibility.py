"""axe-core (shipped by the axe-playwright-python package, served from disk) run in the page."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def serious_violations(page) -> list[str]:
    """WCAG 2.1 A/AA violations of impact serious or critical, as readable lines."""
    results = _axe.run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
