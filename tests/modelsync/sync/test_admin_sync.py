"""The "Sync now" buttons and the "Sync selected" action: who may press them, what they queue, where they land."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from modelsync import tasks
from modelsync.admin.sync import _when
from modelsync.models import ModelChange, SyncRun
from tests.factories import LLMModelFactory, SourceFactory, SyncRunFactory

pytestmark = pytest.mark.django_db
SYNC_ALL = "/admin/modelsync/source/sync-all/"
SOURCES = "/admin/modelsync/source/"


@pytest.fixture(autouse=True)
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(tasks.source_sync_task, "delay", lambda *args, **kwargs: messages.append(args))
    return messages


@pytest.fixture
def sources():
    return [SourceFactory(name="litellm"), SourceFactory(name="openrouter"), SourceFactory(name="off", enabled=False)]


def _user(django_user_model, name, *, staff, perms=()):
    user = django_user_model.objects.create_user(name, password="pw", is_staff=staff)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def _client(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user:
        client.force_login(user)
    return client


@pytest.fixture
def operator(django_user_model):
    """Staff with the custom permission and read access to sources and models, nothing else."""
    return _user(django_user_model, "operator", staff=True, perms=("run_sync", "view_source", "view_llmmodel"))


@pytest.fixture
def onlooker(django_user_model):
    return _user(django_user_model, "onlooker", staff=True, perms=("view_source", "view_llmmodel"))


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_sync_now_sends_strangers_to_the_login_page(who, sources, django_user_model):
    user = _user(django_user_model, "visitor", staff=False, perms=("run_sync",)) if who == "non-staff" else None
    response = _client(user).post(SYNC_ALL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not SyncRun.objects.exists()


def test_sync_now_is_forbidden_to_staff_without_the_permission(sources, onlooker):
    assert _client(onlooker).post(SYNC_ALL).status_code == 403
    assert not SyncRun.objects.exists()


def test_get_never_triggers(sources, operator):
    assert _client(operator).get(SYNC_ALL).status_code == 405
    assert not SyncRun.objects.exists()


def test_post_without_csrf_token_is_refused(sources, operator):
    assert _client(operator, enforce_csrf_checks=True).post(SYNC_ALL).status_code == 403
    assert not SyncRun.objects.exists()


def test_sync_now_queues_every_enabled_source_and_lands_on_the_new_runs(
    sources, operator, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(operator).post(SYNC_ALL)
    runs = SyncRun.objects.order_by("id")
    assert [(run.source.name, run.status, run.trigger, run.triggered_by) for run in runs] == [
        ("litellm", "queued", "admin", operator),
        ("openrouter", "queued", "admin", operator),
    ]
    assert sorted(sent) == [(run.pk,) for run in runs]
    ids = ",".join(str(run.pk) for run in runs)
    assert response.status_code == 302 and response["Location"] == f"/admin/modelsync/syncrun/?id__in={ids}"
    page = _client(operator).get(response["Location"])
    assert page.status_code == 200 and 'http-equiv="refresh"' in page.content.decode()


def test_single_source_lands_on_its_run_page_which_refreshes_until_finished(operator):
    source = SourceFactory(name="only")
    response = _client(operator).post(SYNC_ALL)
    run = SyncRun.objects.get(source=source)
    assert response["Location"] == reverse("admin:modelsync_syncrun_change", args=[run.pk])
    page = _client(operator).get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and 'data-status="queued"' in page
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.SUCCEEDED, seen=7, created=7)
    page = _client(operator).get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page and 'data-status="succeeded"' in page and "<b>7</b>created" in page


def test_a_second_press_while_in_flight_says_it_was_skipped(operator):
    source = SourceFactory(name="only")
    first = SyncRunFactory(source=source, status=SyncRun.Status.QUEUED)
    response = _client(operator).post(SYNC_ALL, follow=True)
    skipped = SyncRun.objects.exclude(pk=first.pk).get()
    assert skipped.status == SyncRun.Status.SKIPPED
    assert (
        f"skipped, a sync is already in flight (run #{first.pk} of this source is queued)" in response.content.decode()
    )


def _action(client, ids):
    return client.post(SOURCES, {"action": "sync_selected", "_selected_action": [str(pk) for pk in ids]})


def test_sync_selected_queues_only_the_selected_sources(sources, operator):
    response = _action(_client(operator), [sources[1].pk])
    run = SyncRun.objects.get()
    assert (run.source, run.status, run.trigger) == (sources[1], "queued", "admin")
    assert response["Location"] == reverse("admin:modelsync_syncrun_change", args=[run.pk])


def test_sync_selected_is_not_offered_to_staff_without_the_permission(sources, onlooker):
    assert "sync_selected" not in _client(onlooker).get(SOURCES).content.decode()
    _action(_client(onlooker), [sources[0].pk])
    assert not SyncRun.objects.exists()


def test_sync_selected_is_not_run_for_anonymous_users(sources):
    response = _action(_client(), [sources[0].pk])
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize("page", [SOURCES, "/admin/catalog/llmmodel/"])
def test_sync_now_button_is_shown_only_with_the_permission(page, sources, operator, onlooker):
    form = f'action="{SYNC_ALL}"'
    with_perm = _client(operator).get(page).content.decode()
    assert form in with_perm and "Sync now" in with_perm and "csrfmiddlewaretoken" in with_perm
    assert form not in _client(onlooker).get(page).content.decode()


def test_source_list_shows_health_and_the_next_scheduled_run(operator, settings):
    from django.core.management import call_command

    call_command("setup_periodic_tasks", stdout=None)
    SourceFactory(name="flaky", consecutive_failures=settings.MODELSYNC_UNHEALTHY_AFTER_FAILURES)
    ran = timezone.now() - timedelta(minutes=5, seconds=10)
    SourceFactory(name="fine", last_run_at=ran, last_success_at=ran)
    page = _client(operator).get(SOURCES).content.decode()
    assert page.count('alt="False"') == 1 and page.count('alt="True"') >= 2  # healthy column (+ enabled column)
    interval = timedelta(seconds=settings.MODELSYNC_SYNC_INTERVAL)
    assert f"every {timesince(timezone.now() - interval)}</a>" in page  # "every 15 minutes", not "900 seconds"
    assert re.search(r'next <span title="[-\d :]+\w+">in (9|10)\xa0minutes</span>', page)  # local time on hover
    assert page.count(">5\xa0minutes ago</span>") == 2  # last run, last success
    assert 'title="consecutive failed runs">3<' in page


def test_source_times_read_as_how_long_ago_or_how_soon():
    now = timezone.now()
    assert _when(None) == "-"
    assert ">just now<" in _when(now - timedelta(seconds=20)) and ">now<" in _when(now + timedelta(seconds=20))
    assert ">2\xa0hours ago<" in _when(now - timedelta(hours=2, minutes=5))
    assert ">in 3\xa0days<" in _when(now + timedelta(days=3, hours=1))
    assert f'title="{timezone.localtime(now):%Y-%m-%d %H:%M:%S}' in _when(now)


def test_view_site_goes_to_the_picker(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert '<a href="/picker/">View site</a>' in page
    assert admin_client.get("/picker/").status_code == 200


def test_a_refused_run_page_states_the_error_and_the_would_be_plan(operator):
    run = SyncRunFactory(
        source=SourceFactory(name="only"),
        status=SyncRun.Status.REFUSED,
        error_kind="mass_deactivation",
        error_message="would deactivate 90 of 100 active models (limit 20%)",
        plan={"create": 0, "update": 0, "deactivate": 90, "active_before": 100},
    )
    page = _client(operator).get(reverse("admin:modelsync_syncrun_change", args=[run.pk])).content.decode()
    assert "mass_deactivation:</strong> would deactivate 90 of 100" in page
    assert "deactivate 90 of 100 active models" in page and 'http-equiv="refresh"' not in page


def test_run_page_lists_changes_with_prices_first_and_highlighted(admin_client):
    model = LLMModelFactory()
    run = SyncRun.objects.create(source=model.source, trigger="cli", status="succeeded", updated=1)
    ModelChange.objects.create(
        run=run, llm_model=model, kind="updated",
        changes={"display_name": ["Old", "New"], "input_cost_per_mtok": ["0.2002", "0.2574"]},
    )  # fmt: skip
    page = admin_client.get(reverse("admin:modelsync_syncrun_change", args=[run.pk])).content.decode()
    price = page.index('class="ms-price"><code>input_cost_per_mtok</code>: 0.2002 → 0.2574')
    assert price < page.index("<code>display_name</code>: Old → New") and 'id="no-changes"' not in page


@pytest.mark.parametrize(
    ("status", "says"),
    [("succeeded", True), ("refused", True), ("failed", True), ("queued", False), ("running", False)],
)
def test_a_run_without_changes_says_no_changes_instead_of_an_empty_table(admin_client, status, says):
    run = SyncRunFactory(source=SourceFactory(name="quiet"), status=status)
    page = admin_client.get(reverse("admin:modelsync_syncrun_change", args=[run.pk])).content.decode()
    assert ('<p id="no-changes">No changes:' in page) is says  # an unfinished run may still make some
    assert "what_changed" not in page and "Model changes" not in page


def test_sync_now_with_no_enabled_source_says_so_and_returns_to_the_sources(operator):
    SourceFactory(name="off", enabled=False)
    response = _client(operator).post(SYNC_ALL, follow=True)
    assert response.redirect_chain == [(reverse("admin:modelsync_source_changelist"), 302)]
    assert [m.message for m in response.context["messages"]] == ["No enabled source to sync."]
    assert not SyncRun.objects.exists()


def test_test_connection_of_a_source_that_does_not_exist_is_forbidden(admin_client):
    response = admin_client.post(reverse("admin:modelsync_source_test_connection", args=[987654]))
    assert response.status_code == 403


def test_the_run_list_with_an_unknown_filter_goes_back_with_the_error_flag(operator):
    SyncRunFactory(source=SourceFactory(name="only"))
    response = _client(operator).get(reverse("admin:modelsync_syncrun_changelist"), {"no_such_field": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


# --- One rule for starting syncs and reading their history, in admin and in the API -------------------------------

RULE = {  # who: (may start a sync, may read the run history)
    "staff without permissions": ((), False, False),
    "staff who may view runs": (("view_syncrun",), False, True),
    "staff who may start syncs": (("run_sync",), True, True),
}


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", [*RULE, "superuser"])
def test_admin_and_api_agree_on_who_starts_syncs_and_reads_runs(who, django_user_model):
    source = SourceFactory(name="only")
    if who == "superuser":
        user, may_start, may_read = django_user_model.objects.create_superuser("root", password="pw"), True, True
    else:
        perms, may_start, may_read = RULE[who]
        user = _user(django_user_model, "someone", staff=True, perms=perms)
    api_start = _api(user).post("/api/v1/sync/", {"source": source.name}, format="json").status_code
    admin_start = _client(user).post(SYNC_ALL).status_code  # lands on its run, skipped behind the API's
    assert (admin_start, api_start) == ((302, 202) if may_start else (403, 403))
    assert SyncRun.objects.filter(trigger="api", status="queued").exists() is may_start
    assert SyncRun.objects.filter(trigger="admin", status="skipped").exists() is may_start

    admin_read = _client(user).get(reverse("admin:modelsync_syncrun_changelist")).status_code
    api_reads = {_api(user).get(path).status_code for path in ("/api/v1/sync-runs/", "/api/v1/sync/status/")}
    assert (admin_read, api_reads) == ((200, {200}) if may_read else (403, {403}))


def test_a_user_who_is_not_staff_may_do_neither_even_with_the_permission(django_user_model):
    user = _user(django_user_model, "outsider", staff=False, perms=("run_sync", "view_syncrun"))
    SourceFactory(name="only")
    assert "/admin/login/" in _client(user).post(SYNC_ALL)["Location"]
    refused = _api(user).post("/api/v1/sync/", {}, format="json")
    assert refused.status_code == 403 and "Can start a sync" in refused.json()["error"]["message"]
    assert _api(user).get("/api/v1/sync-runs/").status_code == 403
    assert not SyncRun.objects.exists()


# --- The broker down -----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the publish runs on the real commit, before the page answers
def test_sync_now_with_the_broker_down_shows_an_error_and_the_next_press_queues(operator, monkeypatch, sent):
    from kombu.exceptions import OperationalError

    def refused(run_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    sources = [SourceFactory(name="litellm"), SourceFactory(name="openrouter")]
    with monkeypatch.context() as down:
        down.setattr(tasks.source_sync_task, "delay", refused)
        page = _client(operator).post(SYNC_ALL, follow=True)
    assert page.status_code == 200
    (said,) = [str(message) for message in page.context["messages"]]
    assert said.startswith("litellm, openrouter: not started, the task broker could not be reached")
    assert "Connection refused" in said and "blocks nothing" in said
    assert set(SyncRun.objects.values_list("status", "error_kind")) == {("failed", "broker_unavailable")}

    page = _action(_client(operator), [sources[0].pk])  # "Sync selected" once the broker is back
    run = SyncRun.objects.get(status="queued")
    assert run.source == sources[0] and sent == [(run.pk,)]
