"""Synthetic ICT / MDG panels of any size, with known effects, in the raw formats the readers accept.

The workflow has one bundled real dataset (~217 economies); correctness tests of the models
need data whose truth is known, and scale tests need 10x-100x more units. This package
generates both from ``config/synthetic.yaml``:

* **units** with a World Bank region and a latent ln GDP per capita that grows over time
  (unit growth rate, AR(1) shocks, a common world cycle); the current income group (L, LM,
  UM, H) comes from the last year's GDP per capita and the World Bank thresholds;
* **ICT and other input indicators** (ids, units, roles, pillars and bounds of the real
  catalogue) following logistic diffusion curves whose timing depends on income (richer
  units adopt earlier) and on a unit factor shared within a pillar, plus unit-specific AR(1)
  noise on the logit (bounded indicators) or log (non-negative ones) scale;
* **outcomes** generated from an IDI-like ICT composite with a known effect ``beta`` and a
  confounder (ln income, effect ``gamma``), unit and year effects and iid noise, on the
  scale of a link (identity, log, logit) that keeps every value inside its unit's range;
* **missingness** like the real data's: more gaps early and in poorer, low-capacity units,
  series that stop early or start late, sparse indicators, and a few "ghost" units.

Everything is drawn from numpy Generators seeded by ``(seed, component, indicator)``, so the
draws of one indicator do not change when another is added, and identical configs give
identical frames and byte-identical files.

Modules, in the order a run uses them:

* :mod:`~scripts.synthetic.config`: ``load_config`` / ``build_config`` check the YAML against
  ``workflow/schemas/synthetic.schema.yaml`` and the real catalogue, and resolve it into
* :mod:`~scripts.synthetic.params`: the frozen ``SynthConfig`` and its parameter records;
* :mod:`~scripts.synthetic.model`: the equations of each component (income, diffusion,
  missingness, links, the ICT composite);
* :mod:`~scripts.synthetic.generate`: ``generate(cfg) -> SynthPanel``, pure (no I/O);
* :mod:`~scripts.synthetic.dataset`: ``write_dataset`` writes the folder (raw API CSV files,
  Metadata_Country, copied classification files, MANIFEST, catalogue, config overlay, truth),
  the World Bank layouts coming from :mod:`~scripts.synthetic.formats`;
* :mod:`~scripts.synthetic.__main__`: the command line, ``python -m scripts.synthetic --help``.
"""
