# SPDX-License-Identifier: MIT
# The README's plot: for a few workloads, each implementation's median divided
# by the physical limit of the same run (1 = as fast as the bare C code).
# bench.py calls it with: datafile, outfile, ncols, plottitle.
set terminal pngcairo size 1100,440 font "DejaVu Sans,9"
set output outfile
set title plottitle font "DejaVu Sans,10"
set style data histogram
set style histogram clustered gap 1.5
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y 10
set yrange [0.5:*]
set ylabel "x physical limit (log)"
set grid ytics
set key outside top center horizontal font ",8" samplen 1.5
set bmargin 4
set xtics nomirror font ",8"
set ytics nomirror
set datafile missing "NaN"
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 1.5 lc rgb "#444444" dt 2
set label "bare C = 1" at graph 0.995, first 1.15 right font ",8" tc rgb "#444444"
colors = "#d62728 #1f77b4 #2ca02c #9467bd #8c564b #e377c2 #7f7f7f"
plot for [i=2:ncols+1] datafile using i:xtic(1) title columnheader(i) lc rgb word(colors, i-1)
