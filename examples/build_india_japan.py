"""Build ``examples/india_japan.xlsx``: a realistic India -> Japan critical-mineral case.

Twelve candidate Indian recycling and refining projects (black-mass pre-processors,
hydrometallurgical refineries, rare-earth magnet recyclers, autocatalyst recyclers), nine
Japanese offtakers, 31 candidate offtake contracts and Japanese demand-coverage targets,
under a USD 400m capex budget, 2026-2040.

Prices, yields, capex anchors and contract terms come from the team's DOMAIN.md fact sheet (sources repeated on each row and on the About sheet)
(2024-2025 public figures, URLs recorded in each row's ``source``). Where no public figure
exists the row says ``assumption: ...``. Sponsor names are real Indian companies or
plausible consortia, but every project's size, cost and timing is illustrative.

Run from the repository root::

    PYTHONPATH=. python examples/build_india_japan.py

The output is deterministic: same script, same bytes.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from optimizer.workbook.schema import SETTINGS, TABLES
from optimizer.workbook.template import annotate, print_one_page_wide

OUT = Path(__file__).with_name("india_japan.xlsx")

BASE_YEAR = 2026
END_YEAR = 2040
YEARS = range(BASE_YEAR, END_YEAR + 1)

# --- unit conversions ------------------------------------------------------------------------
OZ_PER_T = 1_000_000 / 31.1035  # troy ounces per tonne: 32,150.7
LCE_PER_LI = 5.323  # t Li2CO3 per t Li (73.89 / (2 x 6.94))
NDPR_OXIDE_PER_METAL = 1.166  # t NdPr oxide per t NdPr metal (Nd2O3 / Pr6O11 mix)
DY_OXIDE_PER_METAL = 1.148  # t Dy2O3 per t Dy
TB_OXIDE_PER_METAL = 1.176  # t Tb4O7 per t Tb


def usd_per_t_from_oz(usd_per_oz: float) -> float:
    """USD per troy ounce -> USD per tonne, rounded to USD 100."""
    return round(usd_per_oz * OZ_PER_T, -2)


# fmt: off
# --- sources (DOMAIN.md) ----------------------------------------------------------------------
S_LI = "https://www.argusmedia.com/ja/news-and-insights/latest-market-news/2655393-us-li-salts-imports-dropped-in-2024"
S_LI_CN = "https://redcensor.com/chinese-lithium-carbonate-price-falls-below-60000-yuan-previously-reached-a-high-of-560000-yuan"
S_NI = "https://argusmedia.com/zh/news-and-insights/latest-market-news/2645013-nickel-briefly-tests-level-below-15-000-t"
S_CO = "https://metals-wire.net/commodities/cobalt-prices-surge-nearly-37-after-drc-export-ban-market-eyes-further-volatility"
S_GR = "https://www.fastmarkets.com/insights/poor-demand-natural-graphite-flake-china/page/2"
S_NDPR = "https://www.fastmarkets.com/insights/light-rare-earth-prices-stabilize-heavy-rare-prices-fall-on-low-demand"
S_NDPR_EU = "https://www.rareearth-materials.com/polish/news/european-rare-earth-weekly-review-yttrium-soars-due-to-supply-shortage-244407.html"
S_DYTB = "https://gmteight.com/latest/detail/282683"
S_PGM = "https://tass.com/economy/2021393"
S_BM_COMP = "https://greenengguide.com/black-mass-recycling-pyrometallurgical-vs-hydrometallurgical-routes-for-lithium-battery-recovery/"
S_REDWOOD = "https://redwoodmaterials.com/news/sustainable-battery-materials-process"
S_ATTERO_YIELD = "https://globalsteelweb.com/news/indias-attero-to-expand-lithium-ion-recycling-capacity-to-300000-tons-per-year/"
S_ATTERO_CAPEX = "https://www.financialexpress.com/express-mobility/components/atterorecycling-global-expansion-plans/2543605/"
S_ATTERO_2022 = "https://www.mobilityindia.com/attero-to-spend-1-billion-on-battery-recycling-plants/"
S_LICYCLE_CAPEX = "https://rhomotion.com/news/li-cycle-disclose-update-on-rochester-hub-at-q3-earning-call/"
S_LOHUM_KGI = "https://www.newindianexpress.com/states/tamil-nadu/2024/Jul/25/krishnagiri-to-get-rs-2000-cr-battery-recycler-plant-1000-new-jobs-likely"
S_LOHUM_INPUT = "https://industrialeconomist.com/lohum-to-set-up-one-of-the-largest-battery-recycling-facility-in-krishnagiri"
S_LOHUM_SCALE = "https://autocarpro.in/news/lohum-to-scale-up-capacity-by-5x-in-3-years-125300"
S_OFFTAKE = "https://discoveryalert.com.au/news/binding-lithium-offtake-agreements-2025-battery-supply"
S_GALAN = "https://theassay.com/news/galan-lithium-secures-agreement-with-glencore-for-offtake-financing-prepayment-facility"
S_PLS = "https://mqworld.com/australian-lithium-miner-pls-rises-on-spodumene-supply-deal-with-chinas-canmax"
S_ALTURA = "https://www.fastmarkets.com/insights/altura-reaches-binding-lithium-offtake-agreement-with-chinas-guangdong-weihua"
S_GM20 = "https://www.sec.gov/Archives/edgar/data/1966983/000095017024123519/R27.htm"
S_LYNAS = "https://www.greencarcongress.com/2023/03/20230309-lynas.html"
S_SOJITZ = "https://www.sojitz.com/en/news/2022/09/20220920.php"
S_JP_LI = "https://metalnomist.com/2025/03/japans-lithium-imports-drop-amid-slow.html"
S_JP_REE = "https://eternal-element.com/show.asp?id=626"
S_JP_HREE = "https://www.trendforce.com/news/2025/06/24/news-japan-reportedly-develops-tech-to-cut-heavy-rare-earth-use-amid-dependence-on-china/"
S_CIM = "https://magazine.cim.org/en/standards/discount-rates-and-net-present-value/"
S_PGM_YIELD = "https://ecmaindia.in/faqs"
S_FG_DEBT = "https://www.fgcapitaladvisors.com/project-finance-term-sheet-essentials-debt-sizing-covenants-and-security-packages"
S_INR = "https://origin.gujaratimidday.com/business-news/article/indian-rupee-hits-record-low-at-88-point-19-against-us-dollar-asia-s-weakest-in-2025-251243"
S_INR_90 = "https://www.esakal.com/sakal-money/personal-finance/indian-rupee-falls-to-new-record-to-its-lowest-ever-level-against-usd-aau85"
S_JPY = "https://hiroseag.com/2025/01/03/usd-jpy-exchange-rate-forecast-for-2025"
S_JPY_2025 = "https://www.fxstreet.com/news/usd-jpy-corrects-further-to-near-15580-gives-up-entire-boj-policy-led-gains-202512241102"
SOURCES = sorted(v for k, v in dict(globals()).items() if k.startswith("S_"))

ILLUSTRATIVE = "Sponsor is a real company or a plausible consortium; size, capex, opex and timing are illustrative, not company guidance."

# --- prices (DOMAIN.md section 2.4), USD per tonne of product ----------------------------------
PRICE = {
    "black_mass": 3300.0,
    "lithium_carbonate": 9250.0,
    "nickel": 15000.0,
    "cobalt": 33000.0,
    "graphite": 1850.0,
    "NdPr_oxide": 51000.0,
    "Dy_oxide": 280000.0,
    "Tb_oxide": 965000.0,
    "platinum": usd_per_t_from_oz(1533.6),
    "palladium": usd_per_t_from_oz(1280.0),
}

MINERALS: list[dict[str, Any]] = [
    dict(mineral="black_mass", price_usd_per_t=PRICE["black_mass"], spot_availability_tpa=12000,
         source=f"assumption: payables on contained metal at DOMAIN 2.4 prices; composition {S_BM_COMP}",
         notes="t of NMC-rich black mass (Li 3.2%, Ni 18%, Co 7%). Contained value ~USD 6,600/t (Ni 2,700 + Co 2,310 + Li 1,580); "
               "assumed payables 62.5% on Ni and Co and 10% on Li give ~USD 3,300/t. No public index in DOMAIN.md. Spot availability 12,000 t/yr: "
               "black mass on the Indian market (domestic and imported) a refinery can buy, besides its own recyclers' (assumption)."),
    dict(mineral="lithium_carbonate", price_usd_per_t=PRICE["lithium_carbonate"], spot_availability_tpa=None,
         source=f"{S_LI}; {S_LI_CN}",
         notes="t Li2CO3 (LCE), battery grade 99.5%. USD 9.1-9.4/kg CIF China (31 Dec 2024), midpoint 9.25/kg = 9,250/t. "
               "China domestic 60,500 CNY/t (Jun 2025) is ~8,400 USD/t at ~7.2 CNY/USD."),
    dict(mineral="nickel", price_usd_per_t=PRICE["nickel"], spot_availability_tpa=None,
         source=S_NI,
         notes="t Ni contained (delivered as nickel sulphate; sulphate premium over LME ignored). LME just below USD 15,000/t (3 Jan 2025)."),
    dict(mineral="cobalt", price_usd_per_t=PRICE["cobalt"], spot_availability_tpa=None,
         source=S_CO,
         notes="t Co contained (delivered as cobalt sulphate; payable vs metal ignored). Cobalt metal ~USD 32,800-33,000/t (Mar 2025, after the DRC "
               "export ban); USD 22-24k/t a month earlier."),
    dict(mineral="graphite", price_usd_per_t=PRICE["graphite"], spot_availability_tpa=None,
         source=S_GR,
         notes="t purified recycled anode graphite. Priced at spherical graphite 99.95% 15um FOB China USD 1,700-2,000/t (31 Oct 2024), midpoint; "
               "an upper bound for recycled material (flake 94% C is only USD 450-470/t)."),
    dict(mineral="NdPr_oxide", price_usd_per_t=PRICE["NdPr_oxide"], spot_availability_tpa=0,
         source=f"{S_NDPR}; {S_NDPR_EU}",
         notes="t NdPr oxide (75:25). FOB China USD 50-52/kg (Jun-Jul 2024), midpoint 51/kg = 51,000/t. Europe USD 82.5-85/kg (Sep 2025) shows the "
               "ex-China premium. Spot availability 0: non-Chinese spot oxide is not assumed available to serve contracts (Lynas output is under "
               "Japanese priority rights)."),
    dict(mineral="Dy_oxide", price_usd_per_t=PRICE["Dy_oxide"], spot_availability_tpa=0,
         source=S_DYTB,
         notes="t Dy2O3 99.5%. Europe USD 250-310/kg (early Apr 2025), midpoint 280/kg = 280,000/t; USD 700-1,000/kg on 6 May 2025 (export-restriction "
               "spike: a scenario, not the base). Spot availability 0: Japan is 100% China-dependent for heavy REE."),
    dict(mineral="Tb_oxide", price_usd_per_t=PRICE["Tb_oxide"], spot_availability_tpa=0,
         source=S_DYTB,
         notes="t Tb4O7 99.99%. Europe USD 930-1,000/kg before May 2025, midpoint 965/kg = 965,000/t; USD 2,000-4,000/kg in May 2025 (spike). "
               "Spot availability 0 as for Dy."),
    dict(mineral="platinum", price_usd_per_t=PRICE["platinum"], spot_availability_tpa=None,
         source=S_PGM,
         notes=f"t Pt. USD 1,533.6/oz (25 Sep 2025) x {OZ_PER_T:,.1f} oz/t (1 troy oz = 31.1035 g) = USD {PRICE['platinum']:,.0f}/t. "
               "~USD 1,000/oz in 2024."),
    dict(mineral="palladium", price_usd_per_t=PRICE["palladium"], spot_availability_tpa=None,
         source=S_PGM,
         notes=f"t Pd. USD 1,280/oz (25 Sep 2025) x {OZ_PER_T:,.1f} oz/t = USD {PRICE['palladium']:,.0f}/t."),
]
# fmt: on

# --- yields (t product per t feed) ---------------------------------------------------------------
BM_LI, BM_NI, BM_CO, BM_GR = 0.032, 0.18, 0.07, 0.20  # NMC-rich black mass, wt fraction
LCO_LI, LCO_NI, LCO_CO = 0.035, 0.06, 0.15  # Co-rich (consumer-electronics) black mass
MAG_NDPR, MAG_DY, MAG_TB = 0.30, 0.020, 0.005  # sintered NdFeB scrap, wt fraction of metal
HDD_NDPR, HDD_DY = 0.29, 0.008  # HDD magnets carry little Dy and no Tb
CAT_PT, CAT_PD = 0.0005, 0.0010  # 0.5 kg Pt + 1.0 kg Pd per t of decanned catalyst (Rh not modelled)
GRAPHITE_RECOVERY = 0.60  # assumption: share of black-mass graphite recovered to battery grade


def hydromet_yields(rec: float, li: float, ni: float, co: float, gr: float | None) -> dict[str, float]:
    """Li2CO3 (t LCE), Ni and Co (t contained) and graphite per t of black mass."""
    out = {
        "lithium_carbonate": round(li * LCE_PER_LI * rec, 4),
        "nickel": round(ni * rec, 4),
        "cobalt": round(co * rec, 4),
    }
    if gr is not None:
        out["graphite"] = round(gr * GRAPHITE_RECOVERY, 4)
    return out


def magnet_yields(rec: float, ndpr: float, dy: float, tb: float) -> dict[str, float]:
    """Separated rare-earth oxides per t of magnet scrap."""
    out = {
        "NdPr_oxide": round(ndpr * NDPR_OXIDE_PER_METAL * rec, 4),
        "Dy_oxide": round(dy * DY_OXIDE_PER_METAL * rec, 4),
    }
    if tb:
        out["Tb_oxide"] = round(tb * TB_OXIDE_PER_METAL * rec, 4)
    return out


# fmt: off
# --- projects ------------------------------------------------------------------------------------
# Each project: its Projects row, its options (name, capacity_tpa, capex_usd_m, fixed_opex_usd_m),
# its yields, and the sources of the yields and of the capex.
PROJECTS: list[dict[str, Any]] = [
    dict(
        row=dict(project="LOH_TN_BM", sponsor="Lohum Cleantech", state="Tamil Nadu", kind="black_mass",
                 feedstock="lib_scrap", earliest_year=2026, latest_year=2029, build_years=1, life_years=None,
                 variable_cost_usd_per_t=850, requires=None, exclusive_group=None, decision=None,
                 source=f"{S_LOHUM_KGI}; {S_LOHUM_INPUT}; capex {S_ATTERO_CAPEX}",
                 notes="Shredding/black-mass line at Krishnagiri (Lohum: Rs 2,000 crore over 6 years, 20 GWh CAM). Variable cost = spent-LIB purchase "
                       "~650 + processing ~200 USD/t (assumption). " + ILLUSTRATIVE),
        options=[("small", 10000, 35.0, 1.2), ("medium", 20000, 66.0, 2.0), ("large", 40000, 124.0, 3.6)],
        yields={"black_mass": 0.50},
        yield_source="assumption: 0.50 t black mass per t of dismantled modules/cells and production scrap (whole packs give ~0.35-0.45)",
        capex_source=f"DOMAIN 2.3 pre-processing USD 3-4k per t/yr of input (Attero plan $500M/150 kt = $3.3k): {S_ATTERO_CAPEX}",
    ),
    dict(
        row=dict(project="LOH_TN_REF", sponsor="Lohum Cleantech", state="Tamil Nadu", kind="hydromet_refinery",
                 feedstock="black_mass", earliest_year=2026, latest_year=2030, build_years=3, life_years=None,
                 variable_cost_usd_per_t=800, requires="LOH_TN_BM", exclusive_group=None, decision=None, ramp_up="0.5,0.8",
                 source=f"{S_LOHUM_KGI}; {S_LOHUM_SCALE}; capex {S_LICYCLE_CAPEX}",
                 notes="Hydromet refinery to battery-grade Li2CO3, NiSO4, CoSO4 and graphite, co-located with LOH_TN_BM (requires it), "
                       "which ships it black mass at USD 50/t; the rest bought at market. Variable cost = reagents/energy ~800 USD/t "
                       "(assumption). Ramp-up 50% then 80% (hydromet plants take years to reach nameplate, cf. Li-Cycle). Loses money at 2025 trough prices at the Li-Cycle capex "
                       "anchor: only Japanese demand coverage and contracts justify it. " + ILLUSTRATIVE),
        options=[("small", 4000, 116.0, 3.5), ("medium", 8000, 216.0, 6.5), ("large", 12000, 300.0, 9.0)],
        yields=hydromet_yields(0.95, BM_LI, BM_NI, BM_CO, BM_GR),
        yield_source=f"black mass Li 3.2%, Ni 18%, Co 7%, graphite 20% ({S_BM_COMP}) x 95% recovery ({S_REDWOOD}); Li x 5.323 t LCE/t Li; "
                     "graphite 60% (assumption)",
        capex_source=f"DOMAIN 2.3 hydromet USD 24-29k per t/yr of black mass (Li-Cycle Rochester $850M-1bn / 35 kt): {S_LICYCLE_CAPEX}; "
                     "29k small -> 25k large (scale, assumption)",
    ),
    dict(
        row=dict(project="ATT_UK_BM", sponsor="Attero Recycling", state="Uttarakhand", kind="black_mass",
                 feedstock="lib_scrap", earliest_year=2026, latest_year=2029, build_years=1, life_years=None,
                 variable_cost_usd_per_t=850, requires=None, exclusive_group=None, decision=None,
                 source=f"{S_ATTERO_YIELD}; {S_ATTERO_2022}; capex {S_ATTERO_CAPEX}",
                 notes="Expansion of Attero's Roorkee Li-ion line (15,000 t/yr today). Inland site: higher logistics to port. Variable cost as "
                       "LOH_TN_BM (assumption). " + ILLUSTRATIVE),
        options=[("small", 10000, 34.0, 1.2), ("large", 25000, 78.0, 2.4)],
        yields={"black_mass": 0.50},
        yield_source="assumption: 0.50 t black mass per t of dismantled modules/cells and production scrap",
        capex_source=f"Attero plan $500M for 150,000 t = $3.3k per t/yr: {S_ATTERO_CAPEX}",
    ),
    dict(
        row=dict(project="ATT_AP_REF", sponsor="Attero Recycling", state="Andhra Pradesh", kind="hydromet_refinery",
                 feedstock="black_mass", earliest_year=2027, latest_year=2031, build_years=3, life_years=None,
                 variable_cost_usd_per_t=800, requires=None, exclusive_group="attero_refinery", decision=None, ramp_up="0.5,0.8",
                 source=f"{S_ATTERO_YIELD}; capex {S_LICYCLE_CAPEX}",
                 notes="Greenfield hydromet refinery near a port (Attero plans a 100,000 t/yr plant in Andhra Pradesh). Alternative site to ATT_UK_REF "
                       "(exclusive_group). Takes black mass from the portfolio's recyclers (haul by road) or at market; variable cost = reagents/"
                       "energy ~800 USD/t (assumption); ramp-up 50% then 80%. " + ILLUSTRATIVE),
        options=[("small", 5000, 140.0, 4.2), ("medium", 10000, 260.0, 7.8), ("large", 15000, 360.0, 10.8)],
        yields=hydromet_yields(0.97, BM_LI, BM_NI, BM_CO, BM_GR),
        yield_source=f"black mass Li 3.2%, Ni 18%, Co 7%, graphite 20% ({S_BM_COMP}) x 97% recovery (Attero claims ~98%: {S_ATTERO_YIELD}); "
                     "graphite 60% (assumption)",
        capex_source=f"DOMAIN 2.3 hydromet USD 24-29k per t/yr of black mass: {S_LICYCLE_CAPEX}; 28k small -> 24k large",
    ),
    dict(
        row=dict(project="ATT_UK_REF", sponsor="Attero Recycling", state="Uttarakhand", kind="hydromet_refinery",
                 feedstock="black_mass", earliest_year=2026, latest_year=2030, build_years=3, life_years=None,
                 variable_cost_usd_per_t=800, requires="ATT_UK_BM", exclusive_group="attero_refinery", decision=None, ramp_up="0.5,0.8",
                 source=f"{S_ATTERO_YIELD}; capex {S_LICYCLE_CAPEX}",
                 notes="Brownfield alternative to ATT_AP_REF at Roorkee (exclusive_group attero_refinery), fed by ATT_UK_BM (requires it; USD 50/t on site), "
                       "the rest at market; slightly lower capex, higher inland logistics; variable cost ~800 USD/t; ramp-up 50% then 80%. " + ILLUSTRATIVE),
        options=[("small", 5000, 135.0, 4.0), ("large", 10000, 250.0, 7.5)],
        yields=hydromet_yields(0.97, BM_LI, BM_NI, BM_CO, BM_GR),
        yield_source=f"as ATT_AP_REF: {S_BM_COMP}; {S_ATTERO_YIELD}",
        capex_source=f"DOMAIN 2.3 hydromet USD 24-29k per t/yr: {S_LICYCLE_CAPEX}; brownfield 27k small -> 25k large (assumption)",
    ),
    dict(
        row=dict(project="RUB_GJ_REF", sponsor="Rubamin", state="Gujarat", kind="hydromet_refinery",
                 feedstock="black_mass", earliest_year=2026, latest_year=2029, build_years=2, life_years=None,
                 variable_cost_usd_per_t=1200, requires=None, exclusive_group=None, decision=None,
                 source=f"assumption; capex anchor {S_LICYCLE_CAPEX}",
                 notes="Brownfield expansion of a cobalt refinery at Vadodara taking the Co-rich (consumer-electronics, LCO) fraction of Indian black mass; "
                       "no graphite circuit. Black mass from the portfolio's recyclers or at market (3,300); variable cost = processing ~700 + "
                       "~500 USD/t premium for the Co-rich fraction over the market grade (assumption). " + ILLUSTRATIVE),
        options=[("small", 3000, 66.0, 2.0), ("large", 6000, 120.0, 3.6)],
        yields=hydromet_yields(0.95, LCO_LI, LCO_NI, LCO_CO, None),
        yield_source=f"assumption: Co-rich black mass Li 3.5%, Ni 6%, Co 15% (within DOMAIN ranges, {S_BM_COMP}) x 95% recovery ({S_REDWOOD})",
        capex_source=f"assumption: brownfield ~20% below the DOMAIN 24-29k anchor ({S_LICYCLE_CAPEX}): 22k small -> 20k large per t/yr",
    ),
    dict(
        row=dict(project="BATX_UP_BM", sponsor="BatX Energies", state="Uttar Pradesh", kind="black_mass",
                 feedstock="lib_scrap", earliest_year=2026, latest_year=2029, build_years=1, life_years=12,
                 variable_cost_usd_per_t=900, requires=None, exclusive_group=None, decision=None,
                 source=f"assumption; capex anchor {S_ATTERO_CAPEX}",
                 notes="Pre-processing hub in western UP serving the NCR e-2W/e-3W fleet; smaller scale, slightly higher unit costs; 12-year equipment "
                       "life (leased site). " + ILLUSTRATIVE),
        options=[("small", 5000, 19.0, 0.7), ("medium", 10000, 36.0, 1.1), ("large", 15000, 51.0, 1.5)],
        yields={"black_mass": 0.50},
        yield_source="assumption: 0.50 t black mass per t of dismantled modules/cells and production scrap",
        capex_source=f"DOMAIN 2.3 pre-processing USD 3-4k per t/yr ({S_ATTERO_CAPEX}); 3.8k small -> 3.4k large",
    ),
    dict(
        row=dict(project="IREL_OD_MAG", sponsor="IREL (India) Ltd + Japanese partner (illustrative consortium)", state="Odisha",
                 kind="magnet_recycler", feedstock="magnet_scrap", earliest_year=2026, latest_year=2030, build_years=2, life_years=None,
                 variable_cost_usd_per_t=16000, requires=None, exclusive_group=None, decision=None,
                 source="assumption (no public Indian magnet-recycling cost in DOMAIN.md)",
                 notes="Leach + solvent extraction of NdFeB swarf and end-of-life magnets to separated NdPr, Dy and Tb oxides, next to IREL's rare-earth "
                       "separation know-how. Variable cost = scrap purchase ~12,500 (about 45% of contained oxide value) + processing ~3,500 USD/t "
                       "(assumption). " + ILLUSTRATIVE),
        options=[("small", 500, 20.0, 1.2), ("medium", 1000, 36.0, 1.8), ("large", 1500, 50.0, 2.4)],
        yields=magnet_yields(0.95, MAG_NDPR, MAG_DY, MAG_TB),
        yield_source="assumption: sintered NdFeB scrap ~30% Nd+Pr, 2.0% Dy, 0.5% Tb by weight; 95% recovery; oxide/metal 1.166 (NdPr), "
                     "1.148 (Dy2O3), 1.176 (Tb4O7)",
        capex_source="assumption: USD 33-40k per t/yr of magnet scrap for hydromet-to-oxide recycling (no public anchor in DOMAIN.md)",
    ),
    dict(
        row=dict(project="PUNE_MH_MAG", sponsor="Pune auto-component consortium (illustrative)", state="Maharashtra", kind="magnet_recycler",
                 feedstock="magnet_scrap", earliest_year=2027, latest_year=2031, build_years=2, life_years=None,
                 variable_cost_usd_per_t=16500, requires=None, exclusive_group=None, decision=None,
                 source="assumption (no public Indian magnet-recycling cost in DOMAIN.md)",
                 notes="Magnet-to-oxide recycler in the Pune/Chakan EV-motor cluster, collecting motor and production swarf; 90% recovery (newer "
                       "process). " + ILLUSTRATIVE),
        options=[("small", 500, 19.0, 1.1), ("medium", 1000, 34.0, 1.7), ("large", 2000, 62.0, 3.0)],
        yields=magnet_yields(0.90, MAG_NDPR, MAG_DY, MAG_TB),
        yield_source="assumption: NdFeB scrap ~30% Nd+Pr, 2.0% Dy, 0.5% Tb; 90% recovery",
        capex_source="assumption: USD 31-38k per t/yr of magnet scrap",
    ),
    dict(
        row=dict(project="EP_KA_MAG", sponsor="E-Parisaraa (illustrative parameters)", state="Karnataka", kind="magnet_recycler",
                 feedstock="magnet_scrap", earliest_year=2026, latest_year=2030, build_years=1, life_years=10,
                 variable_cost_usd_per_t=11500, requires=None, exclusive_group=None, decision=None,
                 source="assumption (no public Indian magnet-recycling cost in DOMAIN.md)",
                 notes="Small Bengaluru line recovering NdPr from hard-disk-drive magnets in e-waste: low Dy, no Tb; loses money on its own. " + ILLUSTRATIVE),
        options=[("small", 200, 9.0, 0.6), ("medium", 400, 16.0, 0.9)],
        yields=magnet_yields(0.90, HDD_NDPR, HDD_DY, 0.0),
        yield_source="assumption: HDD magnets ~29% Nd+Pr, 0.8% Dy, no Tb; 90% recovery",
        capex_source="assumption: USD 40-45k per t/yr (small scale)",
    ),
    dict(
        row=dict(project="HPL_MH_CAT", sponsor="Hindustan Platinum (illustrative parameters)", state="Maharashtra", kind="catalyst_recycler",
                 feedstock="spent_autocatalyst", earliest_year=2026, latest_year=2030, build_years=1, life_years=None,
                 variable_cost_usd_per_t=54000, requires=None, exclusive_group=None, decision=None,
                 source=f"{S_PGM_YIELD}; assumption for costs",
                 notes="Autocatalyst PGM recovery (smelting + refining) at Navi Mumbai. Variable cost = decanned catalyst bought at ~80% of contained "
                       "Pt+Pd value at DOMAIN prices (~52,600) + processing ~1,500 USD/t (assumption). Feed cost is fixed in USD/t: in a PGM price "
                       "scenario the margin swings more than in reality. " + ILLUSTRATIVE),
        options=[("small", 1000, 15.0, 1.0), ("medium", 2500, 32.0, 1.8), ("large", 4000, 46.0, 2.5)],
        yields={"platinum": round(CAT_PT * 0.96, 6), "palladium": round(CAT_PD * 0.96, 6)},
        yield_source=f"assumption: 0.5 kg Pt + 1.0 kg Pd per t of decanned catalyst (Pd-rich petrol fleet; Rh not modelled) x 96% refining "
                     f"yield (>95%: {S_PGM_YIELD})",
        capex_source="assumption: USD 11.5-15k per t/yr of catalyst (no public anchor in DOMAIN.md)",
    ),
    dict(
        row=dict(project="MSTI_UP_CAT", sponsor="Maruti Suzuki Toyotsu India (illustrative catalyst line)", state="Uttar Pradesh",
                 kind="catalyst_recycler", feedstock="spent_autocatalyst", earliest_year=2027, latest_year=2031, build_years=1, life_years=None,
                 variable_cost_usd_per_t=54500, requires=None, exclusive_group=None, decision=None,
                 source=f"{S_PGM_YIELD}; assumption for costs",
                 notes="PGM recovery line beside a registered vehicle-scrapping facility in Noida, using converters from end-of-life vehicles; "
                       "smaller, 95% yield. " + ILLUSTRATIVE),
        options=[("small", 1000, 16.0, 1.0), ("large", 2000, 28.0, 1.6)],
        yields={"platinum": round(CAT_PT * 0.95, 6), "palladium": round(CAT_PD * 0.95, 6)},
        yield_source=f"assumption: 0.5 kg Pt + 1.0 kg Pd per t of catalyst x 95% ({S_PGM_YIELD})",
        capex_source="assumption: USD 14-16k per t/yr of catalyst",
    ),
]

# --- buyers ----------------------------------------------------------------------------------------
COUNTERPARTY = "assumption: real Japanese company active in this supply chain; no offer or commitment implied"
BUYERS: list[dict[str, Any]] = [
    dict(buyer="panasonic_energy", country="Japan", kind="battery_maker", source=COUNTERPARTY,
         notes="Panasonic Energy: EV cells; buys Li, Ni, Co, graphite. Osaka."),
    dict(buyer="smm", country="Japan", kind="battery_maker", source=COUNTERPARTY,
         notes="Sumitomo Metal Mining: cathode materials and nickel/cobalt refining (Niihama); classed battery_maker; also buys black mass."),
    dict(buyer="toyota_tsusho", country="Japan", kind="trading_house", source=COUNTERPARTY,
         notes="Toyota Tsusho: Toyota group trading house; metals, rare earths, PGMs; co-owner of Maruti Suzuki Toyotsu India. Nagoya."),
    dict(buyer="sojitz", country="Japan", kind="trading_house", source=S_SOJITZ,
         notes="Sojitz: with JOGMEC (JARE) financed Lynas; sole distributor of Lynas rare earths in Japan. Tokyo."),
    dict(buyer="mitsubishi_corp", country="Japan", kind="trading_house", source=COUNTERPARTY,
         notes="Mitsubishi Corporation: metals trading incl. lithium and PGMs. Tokyo."),
    dict(buyer="shin_etsu", country="Japan", kind="magnet_maker", source=COUNTERPARTY,
         notes="Shin-Etsu Chemical: NdFeB magnets and rare-earth separation (Takefu, Fukui)."),
    dict(buyer="proterial", country="Japan", kind="magnet_maker", source=COUNTERPARTY,
         notes="Proterial (ex-Hitachi Metals): NdFeB magnets (Kumagaya)."),
    dict(buyer="honda", country="Japan", kind="automaker", source=COUNTERPARTY,
         notes="Honda Motor: battery materials and catalyst PGMs for its vehicles. Tokyo."),
    dict(buyer="nissan", country="Japan", kind="automaker", source=COUNTERPARTY,
         notes="Nissan Motor: EV battery materials, motor magnets, catalyst PGMs. Yokohama."),
]
# fmt: on

# --- contracts -------------------------------------------------------------------------------------
# Design rule: for minerals with an open spot market (blank availability) fixed prices and floors stay
# at or below spot x (1 + spot_premium), so no contract can be served at a profit by buying spot.
# The ex-China premium on rare earths is real (Europe vs FOB China) and rare-earth spot purchases
# are 0, so those contracts must be served from Indian plants.
OZ1000 = usd_per_t_from_oz(1000.0)
OZ2000 = usd_per_t_from_oz(2000.0)
TERMS = f"{S_OFFTAKE} (tenor 5-10 y, take-or-pay common)"


def contract(
    name: str,
    buyer: str,
    mineral: str,
    start: int,
    end: int,
    min_tpa: float,
    max_tpa: float,
    *,
    project: str | None = None,
    price: float | None = None,
    disc: float | None = None,
    floor: float | None = None,
    cap: float | None = None,
    penalty: float,
    prep: float | None = None,
    decision: str | None = None,
    single_plant: bool | None = None,
    spot_cover: bool | None = None,
    source: str,
    notes: str,
) -> dict[str, Any]:
    """One Contracts row: fixed ``price`` or index pricing with ``disc`` (negative = premium)."""
    assert (price is None) != (disc is None), name
    return dict(
        contract=name, buyer=buyer, mineral=mineral, project=project, start_year=start, end_year=end,
        min_tpa=min_tpa, max_tpa=max_tpa, price_usd_per_t=price, index_discount=disc,
        floor_usd_per_t=floor, cap_usd_per_t=cap, shortfall_penalty_usd_per_t=penalty,
        prepayment_usd_m=prep, decision=decision, single_plant=single_plant, spot_cover=spot_cover,
        source=source, notes=notes,
    )  # fmt: skip


# fmt: off
CONTRACTS: list[dict[str, Any]] = [
    # lithium carbonate (t LCE)
    contract("LI_PANA_10Y", "panasonic_energy", "lithium_carbonate", 2030, 2039, 250, 600, disc=0.02, floor=8500, cap=16000,
             penalty=1500, prep=30, source=f"{S_GALAN}; {S_PLS}; {TERMS}",
             notes="Index (LCE spot) less 2% with floor and cap; USD 30m buyer prepayment (cf. Galan-Glencore USD 70-100M, PLS-Canmax USD 100M)."),
    contract("LI_TTS_8Y", "toyota_tsusho", "lithium_carbonate", 2033, 2040, 200, 500, price=9400, penalty=1200,
             source=TERMS, notes="Fixed price, take-or-pay minimum 200 t/yr."),
    contract("LI_SMM_5Y", "smm", "lithium_carbonate", 2030, 2034, 150, 400, project="ATT_AP_REF", disc=0.03, floor=8000, cap=15000,
             penalty=1000, source=f"{S_ALTURA}; {TERMS}",
             notes="Plant-specific offtake from ATT_AP_REF only; index less 3%, floor and cap (cf. Altura floors/ceilings)."),
    contract("LI_HONDA_7Y", "honda", "lithium_carbonate", 2034, 2040, 100, 300, price=9600, penalty=1500,
             source=TERMS, notes="Fixed price close to spot x 1.05 (no spot arbitrage)."),
    contract("LI_MC_6Y", "mitsubishi_corp", "lithium_carbonate", 2029, 2034, 100, 400, project="RUB_GJ_REF", disc=0.04, floor=7500, cap=14000,
             penalty=800, source=f"{S_GALAN}; {TERMS}", notes="Plant-specific (RUB_GJ_REF); index less 4% (marketing fee and discount, cf. Galan-Glencore)."),
    contract("LI_NISSAN_5Y", "nissan", "lithium_carbonate", 2036, 2040, 100, 300, disc=0.02, floor=8500, cap=18000, penalty=1200,
             source=TERMS, notes="Index less 2%, covers the last years of the horizon."),
    # nickel (t Ni contained in sulphate)
    contract("NI_SMM_10Y", "smm", "nickel", 2030, 2039, 400, 1500, disc=0.02, floor=13000, cap=24000, penalty=1500,
             source=TERMS, notes="Index (LME Ni) less 2%, floor and cap."),
    contract("NI_PANA_7Y", "panasonic_energy", "nickel", 2031, 2037, 300, 1000, price=15300, penalty=2000,
             source=TERMS, notes="Fixed price for Ni in sulphate."),
    contract("NI_SOJ_5Y", "sojitz", "nickel", 2030, 2034, 0, 800, project="LOH_TN_REF", disc=0.03, floor=12000, cap=22000, penalty=1000,
             source=TERMS, notes="Take-and-pay (no minimum) from LOH_TN_REF only."),
    # cobalt (t Co contained)
    contract("CO_SMM_8Y", "smm", "cobalt", 2030, 2037, 150, 600, disc=0.03, floor=25000, cap=45000, penalty=3000,
             source=f"{S_CO}; {TERMS}", notes="Index less 3% with floor (cobalt fell to USD 22-24k/t in Feb 2025) and cap."),
    contract("CO_PANA_6Y", "panasonic_energy", "cobalt", 2031, 2036, 100, 400, price=33500, penalty=4000,
             source=TERMS, notes="Fixed price."),
    contract("CO_TTS_5Y", "toyota_tsusho", "cobalt", 2029, 2033, 100, 500, project="RUB_GJ_REF", disc=0.04, floor=24000, cap=40000, penalty=2500,
             source=TERMS, notes="Plant-specific (RUB_GJ_REF, Co-rich feed)."),
    contract("CO_HONDA_5Y", "honda", "cobalt", 2035, 2039, 50, 200, disc=0.02, floor=26000, cap=48000, penalty=3000,
             source=TERMS, notes="Index less 2%."),
    # graphite (t purified recycled graphite)
    contract("GR_PANA_5Y", "panasonic_energy", "graphite", 2030, 2034, 200, 800, price=1800, penalty=200,
             source=f"{S_GR}; {TERMS}", notes="Fixed price, pilot volumes of recycled anode graphite (recovery and qualification are assumptions)."),
    contract("GR_SOJ_8Y", "sojitz", "graphite", 2032, 2039, 0, 1200, disc=0.05, floor=1400, cap=2600, penalty=150,
             source=f"{S_GR}; {TERMS}", notes="Index (spherical graphite FOB China) less 5%, no minimum."),
    # black mass
    contract("BM_SMM_5Y", "smm", "black_mass", 2027, 2031, 2000, 8000, disc=0.0, floor=2600, cap=5000, penalty=300,
             source=TERMS, notes="Black mass to SMM's Japanese recycling plant at the payable-linked index, no discount; competes with domestic spot sale."),
    contract("BM_TTS_7Y", "toyota_tsusho", "black_mass", 2028, 2034, 1000, 6000, project="ATT_UK_BM", price=3350, penalty=250,
             source=TERMS, notes="Fixed price from ATT_UK_BM only."),
    # NdPr oxide (ex-China premium: a negative index_discount is a premium over the FOB China index)
    contract("NDPR_SHIN_10Y", "shin_etsu", "NdPr_oxide", 2029, 2038, 100, 300, price=62000, penalty=8000,
             source=f"{S_NDPR}; {S_NDPR_EU}", notes="Fixed USD 62/kg: between FOB China 50-52 and Europe 82.5-85 (ex-China premium)."),
    contract("NDPR_PROT_8Y", "proterial", "NdPr_oxide", 2030, 2037, 80, 250, disc=-0.15, floor=55000, cap=90000, penalty=6000,
             source=f"{S_NDPR}; {S_NDPR_EU}", notes="FOB China index + 15% (index_discount -0.15) with floor 55 and cap 90 USD/kg."),
    contract("NDPR_SOJ_13Y", "sojitz", "NdPr_oxide", 2028, 2040, 50, 400, disc=-0.10, floor=50000, cap=85000, penalty=5000, prep=20,
             decision="sign", source=f"{S_LYNAS}; {S_SOJITZ}",
             notes="13-year priority-supply offtake modelled on JARE/Sojitz-Lynas (priority rights to 2038); index + 10%; USD 20m prepayment. "
                   "Locked in (decision sign) as an example lock."),
    contract("NDPR_TTS_5Y", "toyota_tsusho", "NdPr_oxide", 2030, 2034, 50, 200, project="IREL_OD_MAG", price=60000, penalty=6000,
             source=f"{S_NDPR}; {S_NDPR_EU}", notes="Plant-specific (IREL_OD_MAG) fixed USD 60/kg."),
    contract("NDPR_NISSAN_7Y", "nissan", "NdPr_oxide", 2032, 2038, 0, 150, disc=-0.12, floor=52000, cap=80000, penalty=5000,
             source=f"{S_NDPR}; {S_NDPR_EU}", notes="Index + 12%, no minimum."),
    # Dy and Tb oxides
    contract("DY_SHIN_10Y", "shin_etsu", "Dy_oxide", 2029, 2038, 5, 20, price=350000, penalty=50000,
             source=S_DYTB, notes="Fixed USD 350/kg: above early-2025 Europe 250-310, well below the May 2025 spike (700-1,000)."),
    contract("DY_PROT_6Y", "proterial", "Dy_oxide", 2030, 2035, 3, 15, disc=-0.20, floor=260000, cap=700000, penalty=40000,
             source=S_DYTB, notes="Index + 20%, cap at the low end of the 2025 spike."),
    contract("DY_SOJ_5Y", "sojitz", "Dy_oxide", 2036, 2040, 2, 10, disc=-0.15, floor=250000, cap=700000, penalty=40000,
             source=f"{S_DYTB}; {S_SOJITZ}", notes="Index + 15%; Sojitz distributes non-Chinese rare earths in Japan (JARE-Lynas)."),
    contract("TB_SHIN_8Y", "shin_etsu", "Tb_oxide", 2030, 2037, 1, 5, disc=-0.15, floor=900000, cap=2500000, penalty=150000,
             source=S_DYTB, notes="Index + 15% with floor 900 and cap 2,500 USD/kg."),
    contract("TB_PROT_5Y", "proterial", "Tb_oxide", 2031, 2035, 1, 4, project="PUNE_MH_MAG", price=1100000, penalty=150000,
             source=S_DYTB, notes="Plant-specific (PUNE_MH_MAG) fixed USD 1,100/kg."),
    # platinum and palladium (t metal)
    contract("PT_TTS_14Y", "toyota_tsusho", "platinum", 2027, 2040, 0.3, 1.5, disc=0.01, floor=OZ1000, cap=OZ2000, penalty=2000000, prep=10,
             source=f"{S_PGM}; {S_GM20}",
             notes="14-year index contract (long tenor, cf. GM Thacker Pass 20 y matched to debt); floor USD 1,000/oz, cap 2,000/oz; USD 10m prepayment."),
    contract("PT_HONDA_6Y", "honda", "platinum", 2028, 2033, 0.2, 0.8, price=usd_per_t_from_oz(1500.0), penalty=2500000,
             source=S_PGM, notes="Fixed USD 1,500/oz."),
    contract("PD_MC_8Y", "mitsubishi_corp", "palladium", 2027, 2034, 0.5, 2.5, disc=0.015, floor=OZ1000, cap=OZ2000, penalty=2000000,
             source=S_PGM, notes="Index less 1.5%; floor USD 1,000/oz, cap 2,000/oz."),
    contract("PD_NISSAN_5Y", "nissan", "palladium", 2028, 2032, 0.3, 1.5, project="MSTI_UP_CAT", price=usd_per_t_from_oz(1250.0), penalty=2000000,
             source=S_PGM, notes="Plant-specific (MSTI_UP_CAT) fixed USD 1,250/oz."),
]

# --- Japanese demand to cover from funded Indian plants under contract -----------------------------
DEMAND: list[dict[str, Any]] = (
    [dict(mineral="lithium_carbonate", year=y, demand_t=11520, min_coverage=0.03 if y < 2033 else 0.05, source=S_JP_LI,
          notes="Japan's 2024 Li2CO3 imports 11,520 t, held flat (hydroxide imports of 37,640 t not included). Target 3% to 2032, then 5% (576 t LCE).")
     for y in range(2030, END_YEAR + 1)]
    + [dict(mineral="NdPr_oxide", year=y, demand_t=7200, min_coverage=0.02 if y < 2032 else 0.04, source=S_LYNAS,
            notes="Proxy: the 7,200 t/yr NdPr priority-supply cap Japan holds on Lynas. Target 2% to 2031, then 4% (288 t).")
       for y in range(2029, END_YEAR + 1)]
    + [dict(mineral="Dy_oxide", year=y, demand_t=375, min_coverage=0.02, source=f"assumption; {S_JP_REE}; {S_JP_HREE}",
            notes="Assumption: ~2% of Japan's 18,835 t REE demand (2024) is Dy oxide = ~375 t; Japan is 100% China-dependent for heavy REE. "
                  "Target 2% (7.5 t).")
       for y in range(2030, END_YEAR + 1)]
)

# --- feedstocks (t per year available to all Indian plants using them) -----------------------------
# name: (anchor years -> t, linearly interpolated between anchors), source, note
FEED_ANCHORS: dict[str, tuple[dict[int, float], str, str]] = {
    "lib_scrap": ({2026: 35000, 2030: 75000, 2035: 110000, 2040: 140000},
                  f"assumption; cf. Indian capacity {S_LOHUM_INPUT}; {S_ATTERO_YIELD}",
                  "t/yr of collectable spent Li-ion modules/cells and production scrap in India (assumption, grows with EV/e-2W retirements). "
                  "Binds the pre-processors (up to 80,000 t/yr of capacity) until about 2030."),
    "magnet_scrap": ({2026: 800, 2030: 1600, 2035: 2600, 2040: 3500},
                     "assumption (no Indian magnet-scrap figure in DOMAIN.md)",
                     "t/yr of NdFeB production swarf and end-of-life magnets (motors, HDDs) collectable in India; binding (up to 3,900 t/yr of capacity)."),
    "spent_autocatalyst": ({2026: 2000, 2030: 4000, 2035: 5500, 2040: 7000},
                           "assumption (vehicle-scrappage ramp-up; no figure in DOMAIN.md)",
                           "t/yr of decanned spent autocatalyst from Indian end-of-life vehicles; binds the catalyst recyclers (up to 6,000 t/yr) "
                           "until the mid-2030s."),
}
# fmt: on


def interpolate(anchors: dict[int, float], year: int) -> float:
    """Linear interpolation between anchor years, flat outside them, rounded to 10 t."""
    ys = sorted(anchors)
    if year <= ys[0]:
        return anchors[ys[0]]
    for a, b in itertools.pairwise(ys):
        if a <= year <= b:
            return round(anchors[a] + (anchors[b] - anchors[a]) * (year - a) / (b - a), -1)
    return anchors[ys[-1]]


FEEDSTOCKS: list[dict[str, Any]] = [
    dict(
        feedstock=name,
        year=y,
        available_t=interpolate(anchors, y),
        source=src,
        notes=note if y == BASE_YEAR else None,
    )
    for name, (anchors, src, note) in FEED_ANCHORS.items()
    for y in YEARS
]

# --- logistics (USD per t of product delivered plant -> buyer) ------------------------------------
# Base by project kind (sea freight India -> Japan and handling; PGMs: secure freight and insurance,
# ~0.1% of value), a surcharge for inland sites, a small adjustment for the buyer's port.
KIND_BASE = {
    "black_mass": 150.0,
    "hydromet_refinery": 260.0,
    "magnet_recycler": 400.0,
    "catalyst_recycler": 40000.0,
}
INLAND = {"Uttarakhand": 120.0, "Uttar Pradesh": 100.0, "Karnataka": 40.0}
BUYER_PORT = {
    "panasonic_energy": 0.0,
    "smm": 20.0,
    "toyota_tsusho": 10.0,
    "sojitz": 15.0,
    "mitsubishi_corp": 15.0,
    "shin_etsu": 25.0,
    "proterial": 20.0,
    "honda": 15.0,
    "nissan": 15.0,
}
LOGISTICS_SOURCE = "assumption: sea freight India-Japan, handling and inland haul; PGMs ~0.1% of value for secure freight and insurance"


def logistics_cost(kind: str, state: str, buyer: str) -> float:
    if kind == "catalyst_recycler":  # insurance on value dominates distance
        return KIND_BASE[kind]
    return KIND_BASE[kind] + INLAND.get(state, 0.0) + BUYER_PORT[buyer]


LOGISTICS: list[dict[str, Any]] = [
    dict(
        project=p["row"]["project"],
        buyer=b["buyer"],
        cost_usd_per_t=logistics_cost(p["row"]["kind"], p["row"]["state"], b["buyer"]),
        source=LOGISTICS_SOURCE,
        notes=None,
    )
    for p in PROJECTS
    for b in BUYERS
]

# Plant -> plant: black mass from the portfolio's pre-processors to its refineries (road haul of a
# hazardous powder: USD 50/t on a shared site, else ~100 plus the inland surcharges of both ends).
TRANSFER_SOURCE = "assumption: road haul of black mass (dangerous goods) between Indian sites"


def transfer_cost(origin: dict[str, Any], destination: dict[str, Any]) -> float:
    if origin["state"] == destination["state"]:
        return 50.0
    return 100.0 + INLAND.get(origin["state"], 0.0) + INLAND.get(destination["state"], 0.0)


LOGISTICS += [
    dict(
        project=q["row"]["project"],
        buyer=p["row"]["project"],
        cost_usd_per_t=transfer_cost(q["row"], p["row"]),
        source=TRANSFER_SOURCE,
        notes="co-located" if q["row"]["state"] == p["row"]["state"] else None,
    )
    for p in PROJECTS
    if p["row"]["feedstock"] == "black_mass"
    for q in PROJECTS
    if "black_mass" in q["yields"]
]

# --- what-ifs (optimize whatif) -------------------------------------------------------------------
EXPORT_BAN = "assumption: DOMAIN.md export-restriction scenario, rare-earth prices up 2-4x (Dy oxide USD 250-310/kg -> 700-1,000/kg in 2025)"
WHATIFS: list[dict[str, Any]] = [
    dict(
        whatif="budget_300",
        target="Settings.budget_usd_m",
        op="set",
        value=300,
        source="assumption",
        notes="A smaller fund: USD 100m less.",
    ),
    dict(
        whatif="budget_500",
        target="Settings.budget_usd_m",
        op="set",
        value=500,
        source="assumption",
        notes="A co-investor adds USD 100m.",
    ),
    *[
        dict(
            whatif="rare_earth_export_ban",
            target=f"Minerals[{m}].price_usd_per_t",
            op="scale",
            value=3,
            source=S_DYTB if m != "NdPr_oxide" else EXPORT_BAN,
            notes=EXPORT_BAN,
        )
        for m in ("NdPr_oxide", "Dy_oxide", "Tb_oxide")
    ],
    dict(
        whatif="capex_overrun",
        target="Options[*].capex_usd_m",
        op="scale",
        value=1.25,
        source="assumption",
        notes="Every plant costs 25% more to build.",
    ),
]

# fmt: off
# --- settings: value, source, note ----------------------------------------------------------------
SETTING_VALUES: dict[str, tuple[Any, str, str | None]] = {
    "base_year": (BASE_YEAR, "assumption", "First year of the horizon; discounting starts here."),
    "end_year": (END_YEAR, "assumption", "Plants run to 2040 unless life_years is shorter; no terminal value."),
    "discount_rate": (0.10, S_CIM, "CIM guidance: base metals 10%; add 2-3 points without offtake."),
    "budget_usd_m": (400, "assumption: issue brief", "The portfolio's own money for capex (capex less debt), widened by buyer prepayments of signed contracts."),
    "annual_budget_usd_m": (200, "assumption", "Own money spent on capex per year (capex less debt drawn), widened by prepayments arriving that year."),
    "risk_aversion": (0.2, "assumption", "Mostly expected NPV, with a fifth of the weight on the worst tail (CVaR)."),
    "cvar_alpha": (0.8, "assumption", "CVaR over the worst 20% of outcomes."),
    "min_cvar_npv_usd_m": (None, "assumption", "No CVaR floor."),
    "spot_premium": (0.05, "assumption", "Buying spot to serve a contract costs spot x 1.05."),
    "spot_sale_discount": (0.05, "assumption", "Selling surplus spot fetches spot x 0.95 (no logistics charged on spot sales)."),
    "time_limit_s": (120, "assumption", None),
    "mip_gap": (0.001, "assumption", "0.1% relative gap."),
    "mip_abs_gap_usd_m": (None, "assumption", "HiGHS default."),
    # Project finance (issue 11). Debt/capex 50-65% for complex assets, DSCR >= 1.30x contracted
    # (FG Capital Advisors); ECA-covered critical-mineral loans repay over ~8.5 years after
    # construction (Kachi lithium, DOMAIN 5, secondary); 60-80% of output under contract in the
    # debt years is a common heuristic (DOMAIN 5, derived). No public prepayment rate was found.
    "debt_share": (0.6, S_FG_DEBT, "60% of capex borrowed: within the 50-65% FG Capital gives for complex assets."),
    "debt_rate": (0.075, "assumption: DOMAIN 5", "Blend of an ECA-covered tranche (CIRR ~1.8%, Kachi lithium) and commercial INR/USD "
                  "debt (~9-10%); no single public rate for these plants."),
    "debt_tenor_years": (8, "DOMAIN 5: Kachi lithium ECA cover, 8.5-year repayment after construction (secondary)", "Debt service years "
                         "from the first operating year, grace included; cut to the years a plant runs before 2040."),
    "debt_grace_years": (1, "assumption", "First operating year (ramp-up) pays interest only."),
    "min_dscr": (1.30, S_FG_DEBT, "FG Capital: base-case DSCR >= 1.30x contracted, >= 1.45x merchant."),
    "min_contracted_share": (0.5, "DOMAIN 5 (derived: 60-80% common; no public figure)", "At least half of a borrowing plant's sales by "
                             "value under contracts as long as its debt, in each debt year; below the 60-80% heuristic because most "
                             "of this case's contracts are shorter than the debt (5-7 years against 8)."),
    "lender_scenarios": ("base, lithium_slump, capex_overrun", S_FG_DEBT, "Lenders size on the base case and the two downsides that hit "
                         "cash flow (prices) and funding (capex); the rare-earth and PGM scenarios are left to the sponsor."),
    "prepayment_rate": (0.08, "assumption: no public rate (PLS-Canmax's USD 100m was interest-free, a buyer concession)",
                        "Buyer prepayments are senior financing repaid whatever is delivered: priced near the debt rate."),
    "contingency_usd_m": (None, "assumption", "Blank: the plan reports, per scenario and year, the standby money overruns need (Funding)."),
    "single_plant": (False, "assumption", "Contracts name their plant where the seller is known; the rest may be served by any mix."),
}

# Per-kind financing: lenders do not take merchant price risk (DOMAIN 5, Verdigris Capital,
# secondary), and black mass has no public index and only 5-7 year contracts in this case.
# Hydromet refineries lose money at 2025 trough prices (About: economics), so no lender would
# size debt on them: the lithium coverage target makes them a strategic, equity-funded
# investment (cf. JOGMEC equity in Lynas and Caremag, DOMAIN 5). Catalyst recyclers sell PGM
# whose buyers' floors the pgm_slump scenario does not honour, and their spent-catalyst feed is
# bought at ~80% of contained metal (merchant on both sides): with the value chain's stresses
# (capex_overrun raises opex) 60% debt fails the 1.30x DSCR in a lender scenario, so the
# example funds them with equity (measured: debt on them takes the plan from USD 240m to
# 132m by dropping both plants).
FINANCING_BY_KIND: dict[str, dict[str, Any]] = {
    "black_mass": dict(debt_share=0.0),
    "hydromet_refinery": dict(debt_share=0.0),
    "catalyst_recycler": dict(debt_share=0.0),
}

FX: list[dict[str, Any]] = [
    dict(currency="INR", year=2024, usd_per_unit=1 / 83.21, source=S_INR_90, notes="83.21 INR per USD on 1 Jan 2024"),
    dict(currency="INR", year=2025, usd_per_unit=1 / 85.64, source=S_INR_90, notes="85.64 on 1 Jan 2025 (record 88.19 in Aug-Sep: " + S_INR + ")"),
    dict(currency="INR", year=2026, usd_per_unit=1 / 90.29, source=S_INR_90, notes="above 90 (90.29) late 2025; flat afterwards (no forecast)"),
    dict(currency="JPY", year=2024, usd_per_unit=1 / 158.0, source=S_JPY, notes="2024 close near 158 JPY per USD"),
    dict(currency="JPY", year=2025, usd_per_unit=1 / 155.8, source=S_JPY_2025, notes="~155.8 on 24 Dec 2025; flat afterwards (no forecast)"),
]

# --- risk: scenarios, shocks, concentration limits -------------------------------------------------
S_DY_2025 = "https://gmteight.com/latest/detail/282683"
S_TB_2025 = "https://reportify.ai/news/1116701411569176576"
S_LI_SLUMP = "https://redcensor.com/chinese-lithium-carbonate-price-falls-below-60000-yuan-previously-reached-a-high-of-560000-yuan"
S_ROCHESTER = "https://rhomotion.com/news/li-cycle-disclose-update-on-rochester-hub-at-q3-earning-call/"
IREL_2025 = "DOMAIN.md: press reports (secondary) that India asked IREL in June 2025 to suspend rare-earth exports to Japan"
S_HHI = "https://www.visualcapitalist.com/measuring-competition-valuable-minerals/"
S_PGM = "https://tass.com/economy/2021393"

SCENARIOS: list[dict[str, Any]] = [
    dict(scenario="base", probability=0.30, source="assumption",
         description="2025 prices and supply hold through 2040; the inputs as entered.", notes=None),
    dict(scenario="china_ree_restriction", probability=0.15, source=f"{S_DY_2025}; {S_TB_2025}",
         description="China tightens rare-earth export controls again, 2027-2031, as in 2025: no ex-China spot supply of NdPr, "
                     "Dy or Tb; Dy and Tb oxide prices x3 (Dy went from USD 250-310/kg to 700-1,000/kg in 2025; Tb from "
                     "930-1,000 to 2,000-4,000/kg), NdPr x2. Probability: restrictions were imposed in 2023 and 2025.",
         notes=None),
    dict(scenario="lithium_slump", probability=0.15, source=S_LI_SLUMP,
         description="Battery-metal oversupply persists, 2026-2032: lithium carbonate x0.6, nickel x0.85, cobalt x0.8 of the "
                     "2025 levels (Li2CO3 fell from 560,000 to below 60,000 CNY/t in 2022-2025).",
         notes=None),
    dict(scenario="china_ree_dumping", probability=0.10, source="assumption",
         description="After the restrictions, China floods the market to push out ex-China supply, 2028-2034: NdPr x0.5, "
                     "Dy and Tb x0.4. Assumption from the 2011-2015 precedent (prices fell most of the way back after the 2010 "
                     "embargo spike); no figure for it is in this case's sources.",
         notes=None),
    dict(scenario="pgm_slump", probability=0.10, source=S_PGM,
         description="Autocatalyst demand falls faster with EV uptake, 2027-2035: palladium x0.6 and platinum x0.75 of the 2025 "
                     "levels (palladium traded near USD 3,000/oz in 2022 and near 1,000/oz in 2024); buyers of the index contracts "
                     "PT_TTS_14Y and PD_MC_8Y do not honour floors far above the market (index price only). Recyclers' feed costs are "
                     "fixed per tonne in this case, so their margins shrink faster than prices.",
         notes=None),
    dict(scenario="capex_overrun", probability=0.05, source=S_ROCHESTER,
         description="Construction and operating costs overrun: hydromet refineries x1.5, other plants x1.2 (Li-Cycle Rochester "
                     "went from USD 485m to 850m-1bn, x1.75-2); operating costs x1.15. Budget checks use committed capex; the "
                     "overrun hits NPV.",
         notes=None),
    dict(scenario="refinery_delay", probability=0.10, source=S_ROCHESTER,
         description="Lender stress: hydromet refineries take a year longer to build (capex spread over the longer build), then "
                     "ramp up as planned, 50% then 80% (Li-Cycle Rochester was paused in construction).",
         notes=None),
    dict(scenario="india_export_curb", probability=0.05, source=IREL_2025,
         description="Lender stress: India curbs rare-earth exports to Japan, 2028-2035: at most 25% of the plants' NdPr, Dy and Tb "
                     "oxide may go to Japanese buyers (India asked IREL in June 2025 to suspend rare-earth exports to Japan); the "
                     "Japanese coverage targets for those oxides are waived while the curb holds.",
         notes=None),
]

SHOCKS: list[dict[str, Any]] = [
    *[dict(scenario="china_ree_restriction", field="spot_availability", target=m, from_year=2027, to_year=2031, multiplier=0,
           source=S_DY_2025, notes="no ex-China spot supply") for m in ("NdPr_oxide", "Dy_oxide", "Tb_oxide")],
    dict(scenario="china_ree_restriction", field="price", target="Dy_oxide", from_year=2027, to_year=2031, multiplier=3,
         source=S_DY_2025, notes="2025: x2.5-3.5"),
    dict(scenario="china_ree_restriction", field="price", target="Tb_oxide", from_year=2027, to_year=2031, multiplier=3,
         source=S_TB_2025, notes="2025: x2-4"),
    dict(scenario="china_ree_restriction", field="price", target="NdPr_oxide", from_year=2027, to_year=2031, multiplier=2,
         source="assumption", notes="light rare earths moved less than heavy in 2025"),
    dict(scenario="lithium_slump", field="price", target="lithium_carbonate", from_year=2026, to_year=2032, multiplier=0.6,
         source=S_LI_SLUMP, notes=None),
    dict(scenario="lithium_slump", field="price", target="nickel", from_year=2026, to_year=2032, multiplier=0.85,
         source="assumption", notes="nickel surplus (Macquarie 2024: ~135 kt)"),
    dict(scenario="lithium_slump", field="price", target="cobalt", from_year=2026, to_year=2032, multiplier=0.8,
         source="assumption", notes=None),
    dict(scenario="china_ree_dumping", field="price", target="NdPr_oxide", from_year=2028, to_year=2034, multiplier=0.5,
         source="assumption", notes=None),
    *[dict(scenario="china_ree_dumping", field="price", target=m, from_year=2028, to_year=2034, multiplier=0.4,
           source="assumption", notes=None) for m in ("Dy_oxide", "Tb_oxide")],
    dict(scenario="pgm_slump", field="price", target="palladium", from_year=2027, to_year=2035, multiplier=0.6,
         source=S_PGM, notes=None),
    dict(scenario="pgm_slump", field="price", target="platinum", from_year=2027, to_year=2035, multiplier=0.75,
         source="assumption", notes=None),
    dict(scenario="capex_overrun", field="capex", target="hydromet_refinery", from_year=None, to_year=None, multiplier=1.5,
         source=S_ROCHESTER, notes=None),
    *[dict(scenario="capex_overrun", field="capex", target=k, from_year=None, to_year=None, multiplier=1.2,
           source="assumption", notes=None) for k in ("black_mass", "magnet_recycler", "catalyst_recycler")],
    dict(scenario="capex_overrun", field="opex", target="*", from_year=None, to_year=None, multiplier=1.15,
         source="assumption", notes="variable and fixed operating costs"),
    dict(scenario="refinery_delay", field="delay", target="hydromet_refinery", from_year=None, to_year=None, multiplier=1,
         source=S_ROCHESTER, notes="one more year of construction"),
    *[dict(scenario="pgm_slump", field="floor", target=c, from_year=2027, to_year=2035, multiplier=0,
           source="assumption", notes="buyer pays the index only: floors far above market are not honoured")
      for c in ("PT_TTS_14Y", "PD_MC_8Y")],
    *[dict(scenario="india_export_curb", field="export", target=m, from_year=2028, to_year=2035, multiplier=0.25,
           source=IREL_2025, notes="share of Indian output that may go to Japan") for m in ("NdPr_oxide", "Dy_oxide", "Tb_oxide")],
]

LIMITS: list[dict[str, Any]] = [
    dict(dimension="sponsor", member="*", max_share=0.40, source="assumption",
         notes="single-obligor limit a credit committee would set: no sponsor above 40% of funded capex"),
    dict(dimension="state", member="*", max_share=0.50, source="assumption", notes="spread regulatory and physical risk"),
    dict(dimension="kind", member="*", max_share=0.60, source="assumption", notes="no single technology above 60%"),
    dict(dimension="buyer", member="*", max_share=0.35, source="assumption",
         notes="offtaker concentration: no buyer above 35% of expected contract revenue"),
    dict(dimension="mineral", member="*", max_share=0.60, source=S_HHI,
         notes="REE production HHI 7,219: avoid a portfolio as concentrated as the market it hedges"),
]

ABOUT: list[tuple[str, str]] = [
    ("case", "India -> Japan critical-mineral recycling portfolio, 2026-2040: which Indian recycling/refining projects to fund (black-mass "
             "pre-processors, hydromet refineries, magnet recyclers, autocatalyst recyclers) and which offtake contracts to sign with Japanese "
             "buyers, under a USD 400m capex budget and Japanese demand-coverage targets for lithium carbonate, NdPr oxide and Dy oxide."),
    ("status", "Illustrative example built by examples/build_india_japan.py from sourced 2024-2025 figures (DOMAIN.md). Company names are real or "
               "plausible; project sizes, costs, timing and contract terms are assumptions, not company plans or offers."),
    ("units", "Money in USD millions (*_usd_m); prices and costs in USD per tonne (*_usd_per_t); volumes in tonnes (t; tpa = t per year). "
              "Capacity (capacity_tpa) is in t of feed: spent Li-ion scrap, black mass, magnet scrap or decanned catalyst."),
    ("products", "black_mass (t), lithium_carbonate (t LCE), nickel (t Ni contained in sulphate), cobalt (t Co contained in sulphate), "
                 "graphite (t purified), NdPr_oxide, Dy_oxide, Tb_oxide (t oxide), platinum, palladium (t metal)."),
    ("conversions", f"1 troy oz = 31.1035 g, so 1 t = {OZ_PER_T:,.2f} oz and USD 1,000/oz = USD {usd_per_t_from_oz(1000) / 1e6:.2f}m/t. "
                    "USD x/kg = USD 1,000x/t. 1 t Li = 5.323 t Li2CO3 (LCE). Oxide per metal: NdPr 1.166, Dy2O3 1.148, Tb4O7 1.176."),
    ("prices", "Minerals.price_usd_per_t = DOMAIN.md 2.4 levels (late 2024 to Sep 2025): LCE 9,250; Ni 15,000; Co 33,000; graphite 1,850 "
               "(spherical); NdPr 51,000 (FOB China); Dy 280,000; Tb 965,000 (Europe, before the May 2025 spike); Pt USD 1,533.6/oz; "
               "Pd USD 1,280/oz."),
    ("economics", "At these trough battery-metal prices, hydromet refineries at the Li-Cycle capex anchor (USD 24-29k per t/yr of black mass) "
                  "lose money on their own; the lithium coverage target forces one in. Pre-processors, magnet recyclers and catalyst recyclers "
                  "earn more than their cost of capital but are limited by feedstock (lib_scrap, magnet_scrap, spent_autocatalyst)."),
    ("modelling choices", "Refineries take black mass from the portfolio's own pre-processors (Logistics project -> project rows) or buy it "
                          "at the black_mass market price (within its spot availability); pre-processors sell what they do not pass on. A "
                          "refinery that requires a pre-processor runs only in years it runs. Feed costs are "
                          "fixed USD/t (not indexed to metal prices). A negative index_discount is a premium over the index (ex-China premium for "
                          "rare earths). Rare-earth spot purchases are 0 (contracts must be served by Indian plants). Fixed prices and floors of "
                          "open-spot minerals are at most spot x (1 + spot_premium), so no contract is profitable by buying spot."),
    ("financing", "Plants borrow 60% of committed capex at 7.5% over 8 years (1 interest-only) with a 1.30x DSCR covenant and half their "
                  "sales under contracts as long as the debt, tested in base, lithium_slump and capex_overrun (Settings); black-mass "
                  "pre-processors (merchant sales, no public index) and hydromet refineries (loss-making at trough prices, a strategic "
                  "investment for lithium coverage) are funded with equity. Prepayments cost 8% a year. The budget is the "
                  "portfolio's own money. FX holds INR and JPY rates for amounts typed in those currencies (this case types all in USD)."),
    ("what-ifs", "The WhatIfs sheet holds four variants for optimize whatif: budgets of USD 300m and 500m, a Chinese rare-earth export "
                 "restriction (NdPr, Dy and Tb oxide prices x3; their spot purchases are already 0) and a 25% capex overrun."),
    ("locks", "One example lock: contract NDPR_SOJ_13Y decision = sign (Japanese priority-supply deal modelled on JARE/Sojitz-Lynas). "
              "Every other decision is blank (the optimiser decides)."),
]
# fmt: on


# --- assemble tables ----------------------------------------------------------------------------
def project_tables() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The Projects, Options and Yields rows of every project."""
    projects, options, yields = [], [], []
    for p in PROJECTS:
        name = p["row"]["project"]
        projects.append({**p["row"], **FINANCING_BY_KIND.get(p["row"]["kind"], {})})
        for option, cap, capex, fopex in p["options"]:
            options.append(
                dict(
                    project=name,
                    option=option,
                    capacity_tpa=cap,
                    capex_usd_m=capex,
                    fixed_opex_usd_m=fopex,
                    source=p["capex_source"],
                    notes=f"USD {capex * 1e6 / cap:,.0f} per t/yr of feed; fixed opex ~{100 * fopex / capex:.0f}% "
                    "of capex per year (assumption).",
                )
            )
        for mineral, y in p["yields"].items():
            yields.append(
                dict(project=name, mineral=mineral, yield_t_per_t=y, source=p["yield_source"], notes=None)
            )
    return projects, options, yields


def tables() -> dict[str, list[dict[str, Any]]]:
    """Every input sheet's rows, keyed by sheet name."""
    projects, options, yields = project_tables()
    settings = [
        dict(
            setting=s.name,
            value=SETTING_VALUES[s.name][0],
            source=SETTING_VALUES[s.name][1],
            notes=SETTING_VALUES[s.name][2],
        )
        for s in SETTINGS
    ]
    return {
        "Settings": settings,
        "Minerals": MINERALS,
        "Projects": projects,
        "Options": options,
        "Yields": yields,
        "Buyers": BUYERS,
        "Contracts": CONTRACTS,
        "Demand": DEMAND,
        "Feedstocks": FEEDSTOCKS,
        "Logistics": LOGISTICS,
        "Limits": LIMITS,
        "Scenarios": SCENARIOS,
        "Shocks": SHOCKS,
        "FX": FX,
        "WhatIfs": WHATIFS,
    }


# --- writing ------------------------------------------------------------------------------------
def style_sheet(ws: Any, widths: list[int]) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def width_of(header: str, values: list[Any]) -> int:
    """Column width fitting the header and the values, between 8 and 60 characters."""
    lengths = [len(f"{v:,.6g}") if isinstance(v, float) else len(str(v)) for v in values if v is not None]
    return max(8, min(max([len(header), *lengths]) + 2, 60))


def clean(v: Any) -> Any:
    """Whole floats as ints, so Excel shows 2026 and 400, not 2026.0."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def build() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    rows_by_sheet = tables()
    for table in TABLES:
        rows = rows_by_sheet[table.sheet]
        names = table.column_names
        for r in rows:
            unknown = set(r) - set(names)
            assert not unknown, f"{table.sheet}: unknown columns {unknown}"
            missing = [c.name for c in table.columns if c.required and r.get(c.name) is None]
            assert not missing, f"{table.sheet}: required {missing} missing in {r}"
        ws = wb.create_sheet(table.sheet)
        ws.append(names)
        for r in rows:
            ws.append([clean(r.get(n)) for n in names])
        style_sheet(ws, [width_of(n, [r.get(n) for r in rows]) for n in names])
        annotate(ws, table)
    ws = wb.create_sheet("About")
    ws.append(["topic", "text"])
    for topic, text in ABOUT:
        ws.append([topic, text])
    for i, url in enumerate(SOURCES, start=1):
        ws.append([f"source {i}", url])
    style_sheet(ws, [20, 120])
    for row in ws.iter_rows(min_row=2, max_col=2):
        row[0].alignment = Alignment(vertical="top")
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    print_one_page_wide(ws)  # topic and text side by side, not one column per page
    return wb


def save_deterministic(wb: Workbook, path: Path) -> None:
    """Save with fixed document timestamps and zip dates, so a rerun gives the same bytes."""
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())


def main() -> None:
    save_deterministic(build(), OUT)
    counts = ", ".join(f"{sheet} {len(rows)}" for sheet, rows in tables().items())
    print(f"wrote {OUT} ({counts})")


if __name__ == "__main__":
    main()
