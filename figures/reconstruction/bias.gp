# bias: drawn by `gnuplot bias.gp` from bias.dat; edit freely and re-run.
set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'bias.png'
set title "FLAP bias compensation" noenhanced
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity" noenhanced
set key outside right top box opaque
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set logscale y
set format x '%.0f%%'
plot 'bias.dat' index 0 using ($1*100):2 title "wpr [up_proj→down_proj] + bias" noenhanced with linespoints lc rgb '#0072B2' dt 3 pt 7 ps 0.8, \
     'bias.dat' index 1 using ($1*100):2 title "wanda [up_proj→down_proj] + bias" noenhanced with linespoints lc rgb '#D55E00' dt 3 pt 7 ps 0.8, \
     'bias.dat' index 2 using ($1*100):2 title "wpr [neurons] + bias" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'bias.dat' index 3 using ($1*100):2 title "wanda [neurons] + bias" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'bias.dat' index 4 using ($1*100):2 title "neuron_output [neurons] + bias" noenhanced with linespoints lc rgb '#117733' dt 1 pt 7 ps 0.8, \
     'bias.dat' index 5 using ($1*100):2 title "fluctuation [neurons] + bias" noenhanced with linespoints lc rgb '#882255' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'bias.svg'
replot
unset output
