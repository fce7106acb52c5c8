"""card readers: raw WLT photo, per-item card fields, case card snapshot

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # All new columns are nullable: existing rows simply have no raw photo and no snapshot.
    with op.batch_alter_table("applicant") as batch:
        batch.add_column(sa.Column("photo_wlt", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("service_item") as batch:
        batch.add_column(sa.Column("card_fields", sa.JSON(), nullable=True))
    with op.batch_alter_table("service_case") as batch:
        batch.add_column(sa.Column("card_snapshot", sa.Text(), nullable=True))
        batch.add_column(sa.Column("photo_wlt", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_case") as batch:
        batch.drop_column("photo_wlt")
        batch.drop_column("card_snapshot")
    with op.batch_alter_table("service_item") as batch:
        batch.drop_column("card_fields")
    with op.batch_alter_table("applicant") as batch:
        batch.drop_column("photo_wlt")
