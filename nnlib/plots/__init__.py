"""Plot builders and slider callbacks the notebooks wire up, one module per topic.

Each module keeps the data a plot shows (plain functions returning arrays, unit-tested without a
browser) apart from the drawing (functions returning a matplotlib Figure), so a notebook cell is just
``interact(plots.some_plot, w=FloatSlider(...))``.
"""
