"""演示数据 Demo data shipped with the product."""
