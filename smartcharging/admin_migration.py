"""Admin for migration runs (the confirmation and progress page), the audit trail and eligibility.

A run is prepared by an action on the sites list; its page shows what will happen to each site,
and holds the buttons that start (optionally as a dry run), cancel or retry it. Only staff with
the "migrate sites" permission see the buttons or may post to them; other staff can look.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from chargers.models import Site
from smartcharging.admin_sites import MIGRATE_PERMISSION
from smartcharging.migration_progress import run_items, run_progress, runs_with_counts
from smartcharging.models import AuditEntry, ItemState, MigrationDirection, MigrationRun, RunState, SiteEligibility
from smartcharging.services.migration import (
    MigrationRefused,
    migration_cancel,
    migration_prepare,
    migration_retry_failed,
    migration_start,
)

ITEMS_PER_PAGE = 100


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(MigrationRun)
class MigrationRunAdmin(_ReadOnly, admin.ModelAdmin[MigrationRun]):
    list_display = ("__str__", "state", "created_by", "created_at", "started_at", "finished_at", "progress")
    list_filter = ("state", "direction", "dry_run")
    list_select_related = ("created_by",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[MigrationRun]:
        return runs_with_counts(super().get_queryset(request))

    @admin.display(description="sites")
    def progress(self, run: MigrationRun) -> str:
        n = {state: int(getattr(run, f"n_{state.value}")) for state in ItemState}  # from runs_with_counts
        return (
            f"{sum(n.values())} selected: {n[ItemState.PLANNED] + n[ItemState.QUEUED]} to do, "
            f"{n[ItemState.SENDING]} waiting for Axle, {n[ItemState.DONE]} done, "
            f"{n[ItemState.FAILED]} failed, {n[ItemState.SKIPPED]} skipped"
        )

    def get_urls(self) -> list[URLPattern]:
        act = self.admin_site.admin_view(require_POST(self.act_view))
        return [path("<int:run_id>/do/<slug:act>/", act, name="smartcharging_migrationrun_act"), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """The run's page: the confirmation before it starts, its progress after."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(MigrationRun.objects.select_related("created_by", "started_by"), pk=object_id)
        state = request.GET.get("state") or None
        progress = run_progress(run)
        page = Paginator(run_items(run, state=state), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(run),
            "run": run,
            "progress": progress,
            "page": page,
            "state_filter": state,
            "states": ItemState.choices,
            "can_migrate": request.user.has_perm(MIGRATE_PERMISSION),
            # Follow the run while anything can still change.
            "refresh": run.state == RunState.RUNNING
            or (run.state == RunState.CANCELLED and progress.count(ItemState.SENDING)),
            "is_draft": run.state == RunState.DRAFT,
        }
        return TemplateResponse(request, "admin/smartcharging/migrationrun/run.html", context)

    def act_view(self, request: HttpRequest, run_id: int, act: str) -> HttpResponse:
        """The run page's buttons: start (dry run, override_withdrawal), cancel, retry, prepare again."""
        if not request.user.has_perm(MIGRATE_PERMISSION):
            raise PermissionDenied("Only staff allowed to migrate sites can do this.")
        run = get_object_or_404(MigrationRun, pk=run_id)
        try:
            if act == "start":
                run = migration_start(
                    run_id=run_id,
                    actor=request.user,
                    dry_run=request.POST.get("dry_run") == "on",
                    override_withdrawal=request.POST.get("override_withdrawal") == "on",
                )
                self.message_user(request, f"{run} started; this page follows its progress.", messages.SUCCESS)
            elif act == "cancel":
                run = migration_cancel(run_id=run_id, actor=request.user)
                self.message_user(request, f"{run} cancelled; sites not yet sent were left as they are.")
            elif act == "retry":
                run = migration_retry_failed(run_id=run_id, actor=request.user)
                self.message_user(request, f"{run}: its failed sites are queued again.", messages.SUCCESS)
            elif act == "again":
                sites = Site.objects.filter(migration_items__run_id=run_id)
                run = migration_prepare(sites=sites, direction=MigrationDirection(run.direction), actor=request.user)
                self.message_user(request, f"Prepared {run} for the same sites; check it, then start it.")
            else:
                raise Http404(f"A migration has no action called {act!r}.")
        except MigrationRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:smartcharging_migrationrun_change", args=[run.pk]))


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly, admin.ModelAdmin[AuditEntry]):
    """Who did what to which site: migrations, eligibility checks, homeowners' tariff and intent changes."""

    list_display = ("at", "actor_label", "action", "site", "run", "outcome")
    list_filter = ("action", "at")
    search_fields = ("actor_label", "site__mpan", "site__postcode", "site__street_address", "outcome")
    list_select_related = ("site", "run")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(SiteEligibility)
class SiteEligibilityAdmin(_ReadOnly, admin.ModelAdmin[SiteEligibility]):
    list_display = ("site", "smart_charging", "flex_lite", "issues", "checked_at")
    list_filter = ("smart_charging", "flex_lite")
    search_fields = ("site__mpan", "site__postcode", "issues")
    list_select_related = ("site",)
