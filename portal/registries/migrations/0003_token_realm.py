from django.db import migrations, models

DOCKER_HUB_URL = "https://registry-1.docker.io"
# Docker Hub's token service, on another host than its registry: pinned for the built-in registry,
# which cannot be edited (and so never saved with a check that would pin it).
DOCKER_HUB_REALM = "https://auth.docker.io/token"


def pin_docker_hub(apps, schema_editor):
    Registry = apps.get_model("registries", "Registry")
    Registry.objects.filter(builtin=True, url=DOCKER_HUB_URL).update(token_realm=DOCKER_HUB_REALM)


class Migration(migrations.Migration):
    """The token service on another host a registry's credentials may go to, pinned when saved."""

    dependencies = [("registries", "0002_docker_hub")]

    operations = [
        migrations.AddField(
            model_name="registry",
            name="token_realm",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(pin_docker_hub, migrations.RunPython.noop),
    ]
