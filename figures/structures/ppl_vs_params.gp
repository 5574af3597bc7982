# ppl_vs_params: drawn by `gnuplot ppl_vs_params.gp` from ppl_vs_params.dat; edit freely and re-run.
# 6in x 4.171in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,626 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'ppl_vs_params.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set logscale y
set title "Perplexity against parameters kept" noenhanced
set key below center horizontal maxcols 1 reverse Left nobox height 1 font ',7'
set xlabel "parameters stored (millions)" noenhanced
set ylabel "perplexity" noenhanced
plot 'ppl_vs_params.dat' index 0 using 1:2:3:4 title "neuron_output [neurons]" noenhanced with yerrorlines lc rgb '#117733' dt 1 pt 7 ps 0.8, \
     'ppl_vs_params.dat' index 1 using 1:2:3:4 title "head_output [heads]" noenhanced with yerrorlines lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'ppl_vs_params.dat' index 2 using 1:2:3:4 title "head_norm [heads]" noenhanced with yerrorlines lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'ppl_vs_params.dat' index 3 using 1:2:3:4 title "head_fluctuation [heads]" noenhanced with yerrorlines lc rgb '#009E73' dt 1 pt 7 ps 0.8, \
     'ppl_vs_params.dat' index 4 using 1:2:3:4 title "block_influence [blocks]" noenhanced with yerrorlines lc rgb '#CC79A7' dt 1 pt 7 ps 0.8, \
     'ppl_vs_params.dat' index 5 using 1:2:3:4 title "angular_distance [blocks]" noenhanced with yerrorlines lc rgb '#E69F00' dt 1 pt 7 ps 0.8, \
     'ppl_vs_params.dat' index 6 using 1:2:3:4 title "contribution [neurons+heads]" noenhanced with yerrorlines lc rgb '#56B4E9' dt 1 pt 7 ps 0.8, \
     'ppl_vs_params.dat' index 7 using 1:2:3:4 title "contribution [neurons+heads+blocks]" noenhanced with yerrorlines lc rgb '#F0E442' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,300 enhanced font 'Sans,10' linewidth 1
set output 'ppl_vs_params.svg'
replot
unset output
