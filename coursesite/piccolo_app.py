from piccolo.conf.apps import AppConfig

from coursesite.db.tables import TABLES
from coursesite.settings import REPO_ROOT

APP_CONFIG = AppConfig(
    app_name="coursesite",
    migrations_folder_path=str(REPO_ROOT / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
