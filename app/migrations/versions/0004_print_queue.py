"""print queue: raster blobs, attempts, claim time and reprint link on print jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before the queue existed have no stored rasters: they stay as history only.
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blob_refs", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("paper_width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reprint_of", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_print_job_reprint_of_print_job"), "print_job", ["reprint_of"], ["id"]
        )
        batch_op.create_index("ix_print_job_printer_state", ["printer", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.drop_index("ix_print_job_printer_state")
        batch_op.drop_constraint(batch_op.f("fk_print_job_reprint_of_print_job"), type_="foreignkey")
        batch_op.drop_column("reprint_of")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("paper_width")
        batch_op.drop_column("blob_refs")
