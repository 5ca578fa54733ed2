from django.db import migrations

DOCKER_HUB = {"name": "Docker Hub", "url": "https://registry-1.docker.io", "builtin": True}


def add_docker_hub(apps, schema_editor):
    Registry = apps.get_model("registries", "Registry")
    Registry.objects.get_or_create(builtin=True, url=DOCKER_HUB["url"], defaults={"name": DOCKER_HUB["name"]})


def remove_docker_hub(apps, schema_editor):
    apps.get_model("registries", "Registry").objects.filter(builtin=True, url=DOCKER_HUB["url"]).delete()


class Migration(migrations.Migration):
    """Docker Hub, the built-in public registry everyone logged in sees."""

    dependencies = [("registries", "0001_initial")]

    operations = [migrations.RunPython(add_docker_hub, remove_docker_hub)]
