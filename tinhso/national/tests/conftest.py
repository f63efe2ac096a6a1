"""The national connectors' tests run against the project's local servers over real HTTP on
127.0.0.1: the local national portal and the local population database."""

import pytest

from tinhso.motcua.tests.fixtures import *  # noqa: F403
from tinhso.national import population_server, portal_server

SYSTEM, SECRET = "H20", "bi-mat-cong-dvc-thu-nghiem"
XROAD_CLIENT = "VN/GOV/H20/TINHSO"


@pytest.fixture
def portal(settings):
    """The local portal (its WSGI app: ``faults``, ``store``) configured as the national portal."""
    store = portal_server.PortalStore()
    store.add_system(SYSTEM, SECRET)
    app = portal_server.LocalPortal(store)
    server = portal_server.serve(app)
    settings.NATIONAL_PORTAL_URL = f"http://127.0.0.1:{server.server_port}"
    settings.NATIONAL_PORTAL_SYSTEM = SYSTEM
    settings.NATIONAL_PORTAL_SECRET = SECRET
    settings.NATIONAL_PORTAL_TIMEOUT = 2.0
    yield app
    server.shutdown()
    server.server_close()


@pytest.fixture
def population(settings):
    """The local population database, reached as through the gateway (an X-Road r1 path)."""
    app = population_server.LocalPopulation(population_server.DEMO_CITIZENS, [XROAD_CLIENT])
    server = portal_server.serve(app, name="local-population")
    settings.POPULATION_DB_URL = f"http://127.0.0.1:{server.server_port}/r1/VN/GOV/G01/DANCU"
    settings.POPULATION_XROAD_CLIENT = XROAD_CLIENT
    yield app
    server.shutdown()
    server.server_close()
