"""counter workstation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 21:17:46.240143
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server defaults fill the new NOT NULL columns of rows that already exist.
    op.create_table(
        "draft",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("clerk", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_draft")),
    )
    op.create_table(
        "queue_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("wrap_at", sa.Integer(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=True),
        sa.Column("closes_at", sa.Time(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name=op.f("fk_queue_category_station_id_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_category")),
        sa.UniqueConstraint("station_id", "code", name="uq_queue_category_station_code"),
    )
    with op.batch_alter_table("counter_window", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column("paused_reason", sa.String(length=200), nullable=False, server_default="")
        )

    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correction_items", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("correction_deadline", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("competent_agency", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("routed_department", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("collector_name", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("collector_id_index", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("collector_is_agent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("mail_address", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("mail_tracking_number", sa.String(length=40), nullable=False, server_default="")
        )

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("transferred_from", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("target_window_number", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("applicant_name", sa.String(length=100), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("applicant_name")
        batch_op.drop_column("target_window_number")
        batch_op.drop_column("transferred_from")

    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.drop_column("mail_tracking_number")
        batch_op.drop_column("mail_address")
        batch_op.drop_column("collector_is_agent")
        batch_op.drop_column("collector_id_index")
        batch_op.drop_column("collector_name")
        batch_op.drop_column("routed_department")
        batch_op.drop_column("competent_agency")
        batch_op.drop_column("correction_deadline")
        batch_op.drop_column("correction_items")

    with op.batch_alter_table("counter_window", schema=None) as batch_op:
        batch_op.drop_column("paused_reason")
        batch_op.drop_column("paused")

    op.drop_table("queue_category")
    op.drop_table("draft")
