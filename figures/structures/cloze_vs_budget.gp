# cloze_vs_budget: drawn by `gnuplot cloze_vs_budget.gp` from cloze_vs_budget.dat; edit freely and re-run.
# 6in x 4.171in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,626 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'cloze_vs_budget.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set title "Cloze accuracy at equal parameter budgets" noenhanced
set key below center horizontal maxcols 1 reverse Left nobox height 1 font ',7'
set xlabel "share of block parameters removed" noenhanced
set ylabel "lambada_openai.acc" noenhanced
set format x '%.0f%%'
plot 'cloze_vs_budget.dat' index 0 using ($1*100):2:3:4 title "neuron_output [neurons]" noenhanced with yerrorlines lc rgb '#117733' dt 1 pt 7 ps 0.8, \
     'cloze_vs_budget.dat' index 1 using ($1*100):2:3:4 title "head_output [heads]" noenhanced with yerrorlines lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'cloze_vs_budget.dat' index 2 using ($1*100):2:3:4 title "head_norm [heads]" noenhanced with yerrorlines lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'cloze_vs_budget.dat' index 3 using ($1*100):2:3:4 title "head_fluctuation [heads]" noenhanced with yerrorlines lc rgb '#009E73' dt 1 pt 7 ps 0.8, \
     'cloze_vs_budget.dat' index 4 using ($1*100):2:3:4 title "block_influence [blocks]" noenhanced with yerrorlines lc rgb '#CC79A7' dt 1 pt 7 ps 0.8, \
     'cloze_vs_budget.dat' index 5 using ($1*100):2:3:4 title "angular_distance [blocks]" noenhanced with yerrorlines lc rgb '#E69F00' dt 1 pt 7 ps 0.8, \
     'cloze_vs_budget.dat' index 6 using ($1*100):2:3:4 title "contribution [neurons+heads]" noenhanced with yerrorlines lc rgb '#56B4E9' dt 1 pt 7 ps 0.8, \
     'cloze_vs_budget.dat' index 7 using ($1*100):2:3:4 title "contribution [neurons+heads+blocks]" noenhanced with yerrorlines lc rgb '#F0E442' dt 1 pt 7 ps 0.8, \
     0.306 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,300 enhanced font 'Sans,10' linewidth 1
set output 'cloze_vs_budget.svg'
replot
unset output
