"""Reads for the migration pages: how far a run has got, and why sites were skipped or failed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from smartcharging.models import AxleEvent, ItemState, MigrationItem, MigrationRun

# Settled: nothing more will happen to the item in this run.
SETTLED = (ItemState.SKIPPED, ItemState.DONE, ItemState.FAILED, ItemState.CANCELLED)


@dataclass(frozen=True)
class Progress:
    counts: dict[str, int]  # by ItemState
    total: int
    reasons: list[tuple[str, int]]  # skipped or failed, most common first

    def count(self, state: ItemState) -> int:
        return self.counts.get(state, 0)

    @property
    def settled(self) -> int:
        return sum(self.count(state) for state in SETTLED)

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else self.settled * 100 // self.total


def run_progress(run: MigrationRun, *, top_reasons: int = 12) -> Progress:
    """In two queries however many sites the run holds."""
    counts = dict(run.items.order_by().values_list("state").annotate(n=Count("pk")))
    reasons = list(
        run.items.filter(state__in=(ItemState.SKIPPED, ItemState.FAILED))
        .order_by()
        .values_list("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")[:top_reasons]
    )
    return Progress(counts=counts, total=sum(counts.values()), reasons=reasons)


def runs_with_counts(runs: QuerySet[MigrationRun]) -> QuerySet[MigrationRun]:
    """Each run with `n_<state>` counts of its items, for the list of runs (one query a page)."""
    return runs.annotate(**{f"n_{state.value}": Count("items", filter=Q(items__state=state)) for state in ItemState})


def run_items(run: MigrationRun, *, state: str | None) -> QuerySet[MigrationItem]:
    steps = Prefetch("events", queryset=AxleEvent.objects.select_related("asset").order_by("pk"))
    items = run.items.select_related("site").prefetch_related(steps).order_by("pk")
    return items.filter(state=state) if state in ItemState.values else items
