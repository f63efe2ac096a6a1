from tinhso.motcua.tests.fixtures import *  # noqa: F403
