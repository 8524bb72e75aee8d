"""A rural worker whose off-farm search fails and who gives up goes back to the farm.

Only searchers who are not pending rural transfers leave the labour force when they give up
(flows.participation); a failed transfer returns to rural work (Flow.RURAL_RETURN).
"""

from __future__ import annotations

from jobsim import flows
from jobsim.agents import State
from jobsim.labour_market import LabourMarket


def test_giving_up_sends_pending_transfers_home_and_others_out_of_the_labour_force(
        params, monkeypatch):
    seen = []
    original = flows.participation

    def spy(ctx):
        w = ctx.workers
        searching = ctx.ledger.members(State.UNEMPLOYED)
        before = {int(a): bool(w.transfer_pending[a]) for a in searching}
        original(ctx)
        left = [a for a in before if w.state[a] != State.UNEMPLOYED]
        seen.append([(before[a], int(w.state[a])) for a in left])

    monkeypatch.setattr(flows, "participation", spy)
    p = params.with_overrides({"flows.lf_exit_rate": 0.5, "rural.transfer_rate": 0.01})
    LabourMarket(params=p, months=6, persons_per_agent=4000, seed=3).run()
    moves = [m for month in seen for m in month]
    pending = [s for was, s in moves if was]
    others = [s for was, s in moves if not was]
    assert len(pending) > 20 and len(others) > 20
    # Participation moves searchers only out of search: home if pending, else inactive
    # (entry into search from inactivity happens in the same step but to other agents).
    assert set(pending) == {int(State.RURAL_WORK)}
    assert set(others) == {int(State.INACTIVE)}
