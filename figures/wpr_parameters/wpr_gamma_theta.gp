# wpr_gamma_theta: drawn by `gnuplot wpr_gamma_theta.gp` from wpr_gamma_theta.dat; edit freely and re-run.
set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'wpr_gamma_theta.png'
set title "wpr at 30 %: damping γ and trade-off θ" noenhanced
set xlabel "gamma" noenhanced
set ylabel "perplexity" noenhanced
set key outside right top box opaque
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set logscale y
plot 'wpr_gamma_theta.dat' index 0 using 1:2 title "theta 0" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'wpr_gamma_theta.dat' index 1 using 1:2 title "theta 0.25" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'wpr_gamma_theta.dat' index 2 using 1:2 title "theta 0.5" noenhanced with linespoints lc rgb '#009E73' dt 1 pt 7 ps 0.8, \
     'wpr_gamma_theta.dat' index 3 using 1:2 title "theta 0.75" noenhanced with linespoints lc rgb '#CC79A7' dt 1 pt 7 ps 0.8, \
     'wpr_gamma_theta.dat' index 4 using 1:2 title "theta 1" noenhanced with linespoints lc rgb '#E69F00' dt 1 pt 7 ps 0.8, \
     10.4872595 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'wpr_gamma_theta.svg'
replot
unset output
