"""Which users' access a change touches: memberships, bindings, deactivation, logout, tokens."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from portal.teams.models import RoleBinding, TeamMembership
from portal.ws.revocation import access_changed, session_ended, token_revoked

User = get_user_model()


def _members_of(team_id: int) -> list[int]:
    return list(TeamMembership.objects.filter(team_id=team_id).values_list("user_id", flat=True))


@receiver([post_save, post_delete], sender=TeamMembership, dispatch_uid="berth-revoke-membership")
def membership_changed(sender, instance, **kwargs):
    access_changed([instance.user_id])


@receiver([post_save, pre_delete], sender=RoleBinding, dispatch_uid="berth-revoke-binding")
def binding_changed(sender, instance, **kwargs):
    access_changed(_members_of(instance.team_id))


def _members_of_bindings(binding_ids) -> list[int]:
    return list(
        TeamMembership.objects.filter(team__bindings__in=binding_ids).values_list("user_id", flat=True).distinct()
    )


@receiver(m2m_changed, sender=RoleBinding.hosts.through, dispatch_uid="berth-revoke-binding-hosts")
def binding_hosts_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:  # binding.hosts.add/remove/set/clear
        if action.startswith("post_"):
            access_changed(_members_of(instance.team_id))
        return
    # host.role_bindings.…: pk_set names the bindings, except for clear, which is told before it
    # happens (its bindings are gone afterwards) and names none.
    if action in ("post_add", "post_remove"):
        access_changed(_members_of_bindings(pk_set))
    elif action == "pre_clear":
        access_changed(_members_of_bindings(instance.role_bindings.all()))


@receiver(pre_delete, sender="teams.Team", dispatch_uid="berth-revoke-team")
def team_deleted(sender, instance, **kwargs):
    access_changed(_members_of(instance.pk))


# Saved through Django's user or through the policy's proxy of it (portal.accounts.models.User),
# whose signals name the proxy as their sender.
@receiver(post_save, sender=User, dispatch_uid="berth-revoke-user")
@receiver(post_save, sender="accounts.User", dispatch_uid="berth-revoke-user-proxy")
def user_saved(sender, instance, created, update_fields=None, **kwargs):
    # Deactivation, or a change of superuser status: re-check everything the user has open.
    if not created and set(update_fields or ()) != {"last_login"}:
        access_changed([instance.pk])


@receiver(post_delete, sender=User, dispatch_uid="berth-revoke-user-deleted")
@receiver(post_delete, sender="accounts.User", dispatch_uid="berth-revoke-user-proxy-deleted")
def user_deleted(sender, instance, **kwargs):
    access_changed([instance.pk])


@receiver(user_logged_out, dispatch_uid="berth-revoke-logout")
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        session_ended(user.pk, getattr(request.session, "session_key", None))


@receiver(post_delete, sender="accounts.PersonalToken", dispatch_uid="berth-revoke-token")
def token_deleted(sender, instance, **kwargs):
    token_revoked(instance.user_id, instance.pk)
