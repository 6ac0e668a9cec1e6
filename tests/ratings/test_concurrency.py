"""One rating per target under a concurrent double submit (real threads, own connections)."""

from miniapp_api.ratings import services
from miniapp_api.ratings.models import Rating, RatingDaily, Rectification
from tests.appointments.conftest import MONDAY_8AM
from tests.concurrency import attempt, run_together
from tests.ratings.conftest import Served


def test_eight_simultaneous_bad_ratings_of_one_application_make_one_rating_and_one_rectification(
        app, committed_db, connections):
    session = committed_db.session
    served = Served(session, app.extensions["banshi.cipher"])
    application = served.completed_application()
    session.commit()
    citizen_id, application_id = served.citizen.id, application.id

    def rate(own) -> str:
        services.rate(own, citizen_id, services.RatingIn("application", application_id, 1, comment="慢"), MONDAY_8AM)
        return "rated"

    def tap(_index: int) -> str:
        return attempt(connections, rate)

    outcomes = run_together(8, tap)
    assert outcomes.count("rated") == 1 and outcomes.count("already_rated") == 7
    assert session.query(Rating).count() == 1
    assert session.query(Rectification).count() == 1
    assert [(row.total, row.bad) for row in session.query(RatingDaily)] == [(1, 1)]
